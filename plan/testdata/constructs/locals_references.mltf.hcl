# Locals: references between them.
locals {
  a = local.b
  b = local.a
  c = local.nope
}
