package event

// OrgID names an organisation; every stored row and every query is scoped
// to one.
type OrgID string

// IndvID is a person: every device of an identified person shares it.
type IndvID int64

// Role is what an API key may do.
type Role string

// The key roles, from most to least capable.
const (
	RoleAdmin     Role = "admin"
	RoleArchitect Role = "architect"
	RoleStandard  Role = "standard"
)

// ValidRole reports whether r is one of the known roles.
func ValidRole(r Role) bool {
	return r == RoleAdmin || r == RoleArchitect || r == RoleStandard
}

// CanExport reports whether a key of this role may read and export data
// and manage segments.
func (r Role) CanExport() bool { return r == RoleAdmin || r == RoleArchitect }

// MaxSafeID is the bound below which ids stay exact in JSON readers that
// decode numbers as float64.
const MaxSafeID = 1<<53 - 1
