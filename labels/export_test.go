package labels

// SendWithin is Send with its connect and write deadlines given, so tests
// need not wait out the real ones.
var SendWithin = send
