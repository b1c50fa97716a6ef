mltf {
  state { # ERROR: Missing required argument
  }
}
