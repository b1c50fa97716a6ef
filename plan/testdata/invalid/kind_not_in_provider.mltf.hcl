experiment "a" { # ERROR: Kind not supported by provider
  provider = local
}
