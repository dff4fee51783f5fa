package event

// EventTypes lists the EventType values of captured events, as the
// export's EventType column spells them.
var EventTypes = []string{
	"navigate", "load", "click", "change", "seen", "custom",
	"custom_error", "error", "console", "request", "uservar", "pagevar",
	"copy", "paste", "form_abandon", "mouse_thrash", "background",
	"foreground",
}
