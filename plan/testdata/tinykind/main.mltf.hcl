# A kind that exists only in the test's kind table: note, placed on a
# cluster by its "on" attribute, like a training by its pool.
cluster "lab" {
  provider = lab
  pool "cpu" {
    slots = 1
  }
}

note "todo" {
  on   = cluster.lab.pool.cpu
  text = "write the docs"
}

note "later" {
  on        = cluster.lab.pool.cpu
  text      = "after ${note.todo.id}"
  depends_on = [note.todo]
}

output "todo" { value = note.todo.id }
