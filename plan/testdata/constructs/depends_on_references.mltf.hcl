# The depends_on meta-argument: what its references name.
experiment "missing" {
  depends_on = [experiment.nope]
}

experiment "itself" {
  depends_on = [experiment.itself]
}
