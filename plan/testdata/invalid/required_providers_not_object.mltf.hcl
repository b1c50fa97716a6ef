mltf {
  required_providers {
    foo = "1.0" # ERROR: Invalid required_providers entry
  }
}
