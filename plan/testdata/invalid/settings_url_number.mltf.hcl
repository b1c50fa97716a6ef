mltf {
  state {
    url = ["file://a"] # ERROR: Unsuitable value type
  }
}
