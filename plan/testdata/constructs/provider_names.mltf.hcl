# The provider argument: which providers there are.
cluster "unknown" {
  provider = nowhere
}

# A misspelled provider: the closest name is suggested.
cluster "typo" {
  provider = locl
}

# More resources of a provider that cannot start: its error is said once,
# at the first of them, naming the others.
cluster "also_unknown" {
  provider = nowhere
}

cluster "unknown_too" {
  provider = nowhere
}

# Two resources of another provider that cannot start.
cluster "elsewhere" {
  provider = nowhere_else
}

cluster "elsewhere_too" {
  provider = nowhere_else
}
