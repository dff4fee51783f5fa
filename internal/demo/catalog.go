package demo

// shopHost is where the made-up fruit shop lives; .test is reserved, so
// the URLs can never point at a real site.
const shopHost = "https://shop.backstory.test"

// fruit is one product of the shop.
type fruit struct {
	name     string  // shown on the page, e.g. "Blueberries"
	slug     string  // in URLs and class names
	category string  // a page property of the product page
	price    float64 // per unit, in dollars
}

var fruits = []fruit{
	{"Apples", "apples", "orchard", 3.49},
	{"Bananas", "bananas", "tropical", 1.29},
	{"Blueberries", "blueberries", "berries", 6.75},
	{"Cherries", "cherries", "orchard", 8.99},
	{"Grapes", "grapes", "vine", 7.24},
	{"Kiwis", "kiwis", "tropical", 4.50},
	{"Lemons", "lemons", "citrus", 2.99},
	{"Mangoes", "mangoes", "tropical", 5.25},
	{"Oranges", "oranges", "citrus", 3.99},
	{"Peaches", "peaches", "orchard", 4.75},
	{"Pineapples", "pineapples", "tropical", 4.99},
	{"Strawberries", "strawberries", "berries", 5.49},
	{"Watermelons", "watermelons", "melons", 6.49},
}

// deviceProfile is a browser on a kind of device, with the values the
// capture script would report for it.
type deviceProfile struct {
	device   string // PageDevice: Desktop, Mobile or Tablet
	browser  string
	version  string
	os       string
	ua       string
	screenW  int64
	screenH  int64
	viewW    int64
	viewH    int64
	weight   int
	slowLoad bool // phones and tablets load pages more slowly
}

var deviceProfiles = []deviceProfile{
	{"Desktop", "Chrome", "124.0", "Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		1920, 1080, 1903, 937, 22, false},
	{"Desktop", "Chrome", "123.0", "OS X",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
		1440, 900, 1440, 789, 12, false},
	{"Desktop", "Safari", "17.4", "OS X",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 " +
			"(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
		1680, 1050, 1680, 939, 8, false},
	{"Desktop", "Firefox", "125.0", "Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 " +
			"Firefox/125.0",
		1366, 768, 1349, 657, 6, false},
	{"Desktop", "Edge", "124.0", "Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
		1536, 864, 1519, 746, 5, false},
	{"Desktop", "Firefox", "124.0", "Linux",
		"Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
		1920, 1080, 1920, 955, 2, false},
	{"Mobile", "Mobile Safari", "17.4", "iOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) " +
			"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 " +
			"Mobile/15E148 Safari/604.1",
		390, 844, 390, 664, 17, true},
	{"Mobile", "Chrome Mobile", "124.0", "Android",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
		412, 915, 412, 785, 12, true},
	{"Mobile", "Samsung Internet", "24.0", "Android",
		"Mozilla/5.0 (Linux; Android 13; SM-A546B) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 " +
			"Mobile Safari/537.36",
		360, 780, 360, 648, 5, true},
	{"Mobile", "Chrome Mobile iOS", "124.0", "iOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) " +
			"AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 " +
			"Mobile/15E148 Safari/604.1",
		393, 852, 393, 659, 4, true},
	{"Tablet", "Mobile Safari", "17.4", "iOS",
		"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 " +
			"(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
		820, 1180, 820, 1106, 5, true},
	{"Tablet", "Chrome", "124.0", "Android",
		"Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) Chrome/124.0.6367.82 Safari/537.36",
		800, 1280, 800, 1162, 2, true},
}

// place is where a device is; tz is its UTC offset in whole hours, used
// to make people shop in their daytime.
type place struct {
	country  string
	region   string
	city     string
	lat, lng float64
	tz       int
	weight   int
}

var places = []place{
	{"United States", "Virginia", "Ashburn", 39.0438, -77.4874, -4, 8},
	{"United States", "New York", "New York", 40.7128, -74.0060, -4, 10},
	{"United States", "California", "San Francisco", 37.7749, -122.4194, -7, 8},
	{"United States", "Texas", "Austin", 30.2672, -97.7431, -5, 6},
	{"United States", "Illinois", "Chicago", 41.8781, -87.6298, -5, 6},
	{"United States", "Washington", "Seattle", 47.6062, -122.3321, -7, 4},
	{"Canada", "Ontario", "Toronto", 43.6532, -79.3832, -4, 5},
	{"Mexico", "Mexico City", "Mexico City", 19.4326, -99.1332, -6, 3},
	{"United Kingdom", "England", "London", 51.5074, -0.1278, 1, 8},
	{"Germany", "Berlin", "Berlin", 52.5200, 13.4050, 2, 6},
	{"Germany", "Bavaria", "Munich", 48.1351, 11.5820, 2, 3},
	{"France", "Ile-de-France", "Paris", 48.8566, 2.3522, 2, 5},
	{"Netherlands", "North Holland", "Amsterdam", 52.3676, 4.9041, 2, 3},
	{"Spain", "Madrid", "Madrid", 40.4168, -3.7038, 2, 3},
	{"Brazil", "Sao Paulo", "Sao Paulo", -23.5505, -46.6333, -3, 4},
	{"India", "Karnataka", "Bengaluru", 12.9716, 77.5946, 5, 4},
	{"Japan", "Tokyo", "Tokyo", 35.6762, 139.6503, 9, 3},
	{"Australia", "New South Wales", "Sydney", -33.8688, 151.2093, 10, 4},
}

// hourWeights is how busy the shop is at each local hour of the day.
var hourWeights = [24]int{
	1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6,
	7, 7, 6, 6, 6, 7, 8, 9, 9, 8, 5, 3,
}

var firstNames = []string{
	"Ada", "Ben", "Chloe", "Diego", "Elif", "Farah", "Gus", "Hana",
	"Ivan", "Jade", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya",
	"Quinn", "Rosa", "Sami", "Tara", "Uma", "Victor", "Wen", "Yusuf",
	"Zoe", "Amir", "Bea", "Caleb", "Dana", "Emil",
}

var lastNames = []string{
	"Abbott", "Baker", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia",
	"Hughes", "Ito", "Jensen", "Kowalski", "Lopez", "Murphy", "Nakamura",
	"Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Umar",
	"Varga", "Weber", "Xu", "Young", "Zimmer",
}

// referrer is how a session arrives: the referring page and the query
// string it adds to the landing URL.
type referrer struct {
	url    string
	query  string
	weight int
}

var referrers = []referrer{
	{"", "", 30},
	{"https://www.google.com/", "", 28},
	{"https://duckduckgo.com/", "", 5},
	{"https://www.instagram.com/", "?utm_source=instagram&utm_medium=social", 10},
	{"https://news.example.org/weekly", "?utm_source=newsletter&utm_medium=email", 12},
	{"https://www.bing.com/", "", 4},
	{"https://recipes.example.com/smoothies", "?utm_source=partner", 6},
}

// ipPrefixes are the documentation ranges of RFC 5737, so no address
// belongs to anyone.
var ipPrefixes = []string{"203.0.113.", "198.51.100.", "192.0.2."}
