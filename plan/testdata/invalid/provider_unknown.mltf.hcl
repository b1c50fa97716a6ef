experiment "a" { # ERROR: Cannot start provider "nosuch"
  provider = nosuch
}
