package main

import (
	"errors"
	"fmt"

	"returns-station/station/bolt"
)

// explainDamage adds the remedy to a damaged data file's error: the person
// reading it at 3 a.m. needs the next command, not only the diagnosis.
func explainDamage(err error, data string) error {
	var d *bolt.DamagedError
	if !errors.As(err, &d) {
		return err
	}
	return fmt.Errorf("%w\nthe station cannot use this data. To recover: stop anything using %s, then run "+
		"`station restore --data %s BACKUP` with the newest backup (it keeps the damaged file beside the restored one); "+
		"events that reached central after that backup are kept there. `station check --data %s` repeats this diagnosis", err, data, data, data)
}
