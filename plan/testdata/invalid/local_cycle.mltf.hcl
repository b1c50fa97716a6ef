locals {
  a = local.b # ERROR: Dependency cycle
  b = local.a # ERROR: Dependency cycle
}
