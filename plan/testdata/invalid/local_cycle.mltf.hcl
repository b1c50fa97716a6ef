locals {
  a = local.b
  b = local.a # ERROR: Dependency cycle
}
