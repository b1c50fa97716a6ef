variable "names" {
  type = list(string)
}

experiment "tuple" {
  for_each = ["a", "b"] # ERROR: Invalid for_each argument | got tuple. To use a list, convert it with toset()
}

experiment "list" {
  for_each = var.names # ERROR: Invalid for_each argument | got list of string
}

experiment "null" {
  for_each = null # ERROR: Invalid for_each argument | not null
}

# A set of strings and a map are what for_each takes, values known or not.
experiment "set" {
  for_each = toset(var.names)
}

experiment "map" {
  for_each = { a = 1 }
}
