mltf {
  backend {} # ERROR: Unsupported block type
}
