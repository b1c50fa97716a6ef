# The lifecycle block.
experiment "a" {
  lifecycle {
    prevent_destroy = "yes"
  }
}

experiment "b" {
  lifecycle {
    ignore_changes = ["tags"]
  }
}

experiment "c" {
  lifecycle {
    create_later = true
  }
}
