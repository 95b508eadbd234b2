"""Run by the ParaView GUI at start-up (gui_state.py):

    XRAY_GUI_STATE=views.pvsm XRAY_GUI_SCREENSHOTS=PREFIX XRAY_GUI_SIZE=640x480 \\
        paraview --dr --script=gui_screenshots.py

loads the state in the GUI (the GUI's own path: each layout a tab, each
view drawn in its widget as the tab is made, as with --state), saves a
screenshot of every layout tab as the GUI renders it to PREFIX-<n>.png,
lists them with the layout names in PREFIX.json, and closes the GUI. The
GUI prints nothing on the terminal: the files are the only output; a GUI
that crashes writes none.
"""
import json
import os

from paraview import simple as pv

prefix = os.environ["XRAY_GUI_SCREENSHOTS"]
size = [int(n) for n in os.environ.get("XRAY_GUI_SIZE", "640x480").split("x")]
pv.LoadState(os.environ["XRAY_GUI_STATE"])
shots = []
# GetLayouts() maps (registration name, id) to a layout; the id order is
# the order in which the state made them.
for (name, proxy_id), layout in sorted(pv.GetLayouts().items(), key=lambda e: int(e[0][1])):
    path = f"{prefix}-{len(shots)}.png"
    pv.SaveScreenshot(path, layout, ImageResolution=size, TransparentBackground=0)
    shots.append({"layout": name, "file": path})
with open(prefix + ".json", "w") as file:
    json.dump({"layouts": len(pv.GetLayouts()), "screenshots": shots}, file)
# The GUI has no quit command in Python; its files are written and closed.
os._exit(0)
