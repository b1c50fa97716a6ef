# The mltf block: stores, required providers.
mltf {
  state {}
  tracking {
    url = ["sqlite://x"]
  }
  cache {}
  required_providers {
    foo = "1.0"
  }
}

mltf {}
