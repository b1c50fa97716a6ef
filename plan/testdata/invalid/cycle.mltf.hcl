experiment "a" {
  description = experiment.b.id
}
experiment "b" { # ERROR: Dependency cycle
  description = experiment.a.id
}
