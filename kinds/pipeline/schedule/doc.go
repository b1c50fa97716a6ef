// Package schedule runs pipelines on their cron schedules: parsing a
// pipeline's schedule {} block (robfig/cron syntax in a named time zone),
// deciding which tick is due (one run for any number of missed ticks,
// none past the starting deadline), the concurrency policies (allow,
// forbid, replace), and a journal that claims each tick before its run
// starts, so that a scheduler killed at any moment never runs one tick
// twice. Time comes from a Clock and runs from a Runner, so the decisions
// are tested with a fake clock; mltf scheduler wires the real ones.
package schedule
