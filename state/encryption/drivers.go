package encryption

// The secrets keepers a key_provider "keeper" URL may name. Each registers
// its URL scheme with gocloud's default URL mux when linked in.
import (
	_ "gocloud.dev/secrets/awskms"
	_ "gocloud.dev/secrets/azurekeyvault"
	_ "gocloud.dev/secrets/gcpkms"
	_ "gocloud.dev/secrets/hashivault"
	_ "gocloud.dev/secrets/localsecrets"
)
