experiment "other" {}
