mltf {
  state {
    url = 42 # ERROR: Unsuitable value type
  }
}
