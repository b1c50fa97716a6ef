// Package encryption encrypts the state and saved plans at rest, in the
// shape OpenTofu users know: an encryption {} block of key providers
// (pbkdf2 from a passphrase; keeper, a gocloud.dev/secrets URL:
// base64key://, awskms://, gcpkms://, azurekeyvault://, hashivault://),
// methods (aes_gcm; unencrypted, to migrate in and out) and the targets
// state and plan, each with its method, enforced and a fallback for key
// rotation.
//
// Decode reads the block; Config.Target gives what encrypts one target.
// An encrypted object is a JSON envelope (docs/state-format.md) that says
// which key provider and method wrote it, with the key provider's
// metadata (the salt, or the wrapped data key), so that it is read with
// the method that wrote it, the configured one or its fallback.
//
// It never reads or writes storage: state/store and the commands that
// save plans call it.
package encryption
