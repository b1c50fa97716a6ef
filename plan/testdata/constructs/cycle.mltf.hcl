# Dependency cycles between resources.
experiment "a" {
  description = experiment.b.id
}

experiment "b" {
  description = experiment.a.id
}
