"""pvbatch load_state.py STATE: load a ParaView state as the GUI would and
print, as JSON, the number of layouts and the temperature/potential range
of the result it reads (the check that views.pvsm is usable)."""
import json
import sys

from paraview import simple as pv

pv.LoadState(sys.argv[1])
ranges = {}
for (name, _), source in pv.GetSources().items():
    if name.startswith("solution"):
        source.UpdatePipeline()
        ranges = {field: list(source.PointData[field].GetRange())
                  for field in ("temperature_K", "potential_V")
                  if field in source.PointData.keys()}
print(json.dumps({"layouts": len(pv.GetLayouts()), "ranges": ranges}))
