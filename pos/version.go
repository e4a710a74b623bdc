package pos

// Version is Kassa's version; release builds set it with
// -ldflags "-X kassa/pos.Version=1.2.3".
var Version = "0.1.0"
