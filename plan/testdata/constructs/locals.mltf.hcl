# Locals: labels and duplicates.
locals "named" {
  a = 1
}

locals {
  b = 1
}

locals {
  b = 2
}
