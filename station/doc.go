// Package station is the domain of the returns station: return authorizations
// (RMAs), parcels, units, exceptions, inspection rules and the event log.
//
// It is pure: no HTTP, no storage, no clock or randomness it was not handed.
// Every command is a function over a Tx (implemented by station/bolt as one
// read-write transaction) and an Env (actor, clock, ID source), so that state
// and the events it appends always change together.
package station
