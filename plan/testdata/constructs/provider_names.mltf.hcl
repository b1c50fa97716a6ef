# The provider argument: which providers there are.
cluster "unknown" {
  provider = nowhere
}

cluster "typo" {
  provider = kubernets
}
