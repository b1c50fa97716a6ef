package command

import "github.com/hashicorp/cli"

// All returns every command, for hashicorp/cli.
func All(deps Deps) map[string]cli.CommandFactory {
	m := Meta{Deps: deps}
	f := func(c cli.Command) cli.CommandFactory { return func() (cli.Command, error) { return c, nil } }
	return map[string]cli.CommandFactory{
		"init":             f(&InitCommand{m}),
		"validate":         f(&ValidateCommand{m}),
		"fmt":              f(&FmtCommand{m}),
		"plan":             f(&PlanCommand{m}),
		"apply":            f(&ApplyCommand{Meta: m}),
		"destroy":          f(&ApplyCommand{Meta: m, Destroy: true}),
		"show":             f(&ShowCommand{m}),
		"output":           f(&OutputCommand{m}),
		"state":            f(&StateCommand{m}),
		"state list":       f(&StateListCommand{m}),
		"state show":       f(&StateShowCommand{m}),
		"state rm":         f(&StateRmCommand{m}),
		"state mv":         f(&StateMvCommand{m}),
		"state pull":       f(&StatePullCommand{m}),
		"state push":       f(&StatePushCommand{m}),
		"state history":    f(&StateHistoryCommand{m}),
		"force-unlock":     f(&ForceUnlockCommand{m}),
		"graph":            f(&GraphCommand{m}),
		"workspace":        f(&WorkspaceCommand{Meta: m}),
		"workspace list":   f(&WorkspaceCommand{Meta: m, Sub: "list"}),
		"workspace new":    f(&WorkspaceCommand{Meta: m, Sub: "new"}),
		"workspace select": f(&WorkspaceCommand{Meta: m, Sub: "select"}),
		"workspace delete": f(&WorkspaceCommand{Meta: m, Sub: "delete"}),
		"workspace show":   f(&WorkspaceCommand{Meta: m, Sub: "show"}),
		"version":          f(&VersionCommand{m}),
		"providers":        f(&ProvidersCommand{m}),
		"datasets":         f(&DatasetsCommand{m}),
		"datasets list":    f(&DatasetsListCommand{m}),
		"datasets show":    f(&DatasetsShowCommand{m}),
		"runs":             f(&RunsCommand{m}),
		"runs list":        f(&RunsListCommand{m}),
		"runs show":        f(&RunsShowCommand{m}),
		"runs logs":        f(&RunsLogsCommand{m}),
		"runs compare":     f(&RunsCompareCommand{m}),
		"runs plot":        f(&RunsPlotCommand{m}),
		"providers schema": f(&ProvidersSchemaCommand{m}),
		"sweeps":           f(&SweepsCommand{m}),
		"sweeps list":      f(&SweepsListCommand{m}),
		"sweeps show":      f(&SweepsShowCommand{m}),
		"sweeps plot":      f(&SweepsPlotCommand{m}),
		"models":           f(&ModelsCommand{m}),
		"models list":      f(&ModelsListCommand{m}),
		"models show":      f(&ModelsShowCommand{m}),
		"models history":   f(&ModelsHistoryCommand{m}),
	}
}
