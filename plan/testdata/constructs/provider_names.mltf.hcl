# The provider argument: which providers there are.
cluster "unknown" {
  provider = nowhere
}

# A misspelled provider: the closest name is suggested.
cluster "typo" {
  provider = locl
}
