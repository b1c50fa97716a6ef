# The provider argument: how it is written.
cluster "quoted" {
  provider = "local"
}
