package plugin

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

func diagsToProto(ds providers.Diagnostics) []*pluginpb.Diagnostic {
	if len(ds) == 0 {
		return nil
	}
	ret := make([]*pluginpb.Diagnostic, len(ds))
	for i, d := range ds {
		sev := pluginpb.Diagnostic_ERROR
		if d.Severity == providers.Warning {
			sev = pluginpb.Diagnostic_WARNING
		}
		ret[i] = &pluginpb.Diagnostic{
			Severity:  sev,
			Summary:   d.Summary,
			Detail:    d.Detail,
			Attribute: pathToProto(d.Attribute),
		}
	}
	return ret
}

func diagsFromProto(ds []*pluginpb.Diagnostic) providers.Diagnostics {
	if len(ds) == 0 {
		return nil
	}
	ret := make(providers.Diagnostics, len(ds))
	for i, d := range ds {
		sev := providers.Error // an unknown severity is treated as an error
		if d.GetSeverity() == pluginpb.Diagnostic_WARNING {
			sev = providers.Warning
		}
		ret[i] = providers.Diagnostic{
			Severity:  sev,
			Summary:   d.GetSummary(),
			Detail:    d.GetDetail(),
			Attribute: pathFromProto(d.GetAttribute()),
		}
	}
	return ret
}

func pathToProto(p cty.Path) *pluginpb.AttributePath {
	if len(p) == 0 {
		return nil
	}
	ret := &pluginpb.AttributePath{Steps: make([]*pluginpb.AttributePath_Step, 0, len(p))}
	for _, step := range p {
		var s *pluginpb.AttributePath_Step
		switch st := step.(type) {
		case cty.GetAttrStep:
			s = &pluginpb.AttributePath_Step{Selector: &pluginpb.AttributePath_Step_AttributeName{AttributeName: st.Name}}
		case cty.IndexStep:
			k := st.Key
			switch {
			case !k.IsKnown() || k.IsNull():
				return ret // the path is only known up to here
			case k.Type() == cty.String:
				s = &pluginpb.AttributePath_Step{Selector: &pluginpb.AttributePath_Step_ElementKeyString{ElementKeyString: k.AsString()}}
			case k.Type() == cty.Number:
				i, _ := k.AsBigFloat().Int64()
				s = &pluginpb.AttributePath_Step{Selector: &pluginpb.AttributePath_Step_ElementKeyInt{ElementKeyInt: i}}
			default:
				return ret
			}
		default:
			return ret
		}
		ret.Steps = append(ret.Steps, s)
	}
	return ret
}

func pathFromProto(p *pluginpb.AttributePath) cty.Path {
	if p == nil || len(p.Steps) == 0 {
		return nil
	}
	ret := make(cty.Path, 0, len(p.Steps))
	for _, s := range p.Steps {
		switch sel := s.Selector.(type) {
		case *pluginpb.AttributePath_Step_AttributeName:
			ret = ret.GetAttr(sel.AttributeName)
		case *pluginpb.AttributePath_Step_ElementKeyString:
			ret = ret.Index(cty.StringVal(sel.ElementKeyString))
		case *pluginpb.AttributePath_Step_ElementKeyInt:
			ret = ret.Index(cty.NumberIntVal(sel.ElementKeyInt))
		default:
			return ret
		}
	}
	return ret
}

func pathsToProto(ps []cty.Path) []*pluginpb.AttributePath {
	if len(ps) == 0 {
		return nil
	}
	ret := make([]*pluginpb.AttributePath, len(ps))
	for i, p := range ps {
		ret[i] = pathToProto(p)
		if ret[i] == nil {
			ret[i] = &pluginpb.AttributePath{}
		}
	}
	return ret
}

func pathsFromProto(ps []*pluginpb.AttributePath) []cty.Path {
	if len(ps) == 0 {
		return nil
	}
	ret := make([]cty.Path, len(ps))
	for i, p := range ps {
		ret[i] = pathFromProto(p)
	}
	return ret
}
