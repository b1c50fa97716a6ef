cluster "dev" {
  provider = local
  pool "cpu" { slots = 2 }
}

experiment "digits" {}
