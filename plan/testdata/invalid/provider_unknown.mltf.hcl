experiment "a" {
  provider = nosuch # ERROR: Cannot start provider "nosuch"
}

experiment "b" {
  provider = registri # ERROR: Cannot start provider "registri" | Did you mean registry?
}
