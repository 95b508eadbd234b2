"""Standard pictures of a solver result, rendered by ParaView.

    xvfb-run -a -s -noreset pvbatch postprocess/paraview/render.py OUTPUT_DIR [--out DIR]
                                                       [--size 1200x900]

OUTPUT_DIR is what anode-thermal or stream-potential wrote (solution.pvd,
summary.json); the solver and model are read from summary.json. Writes to
OUTPUT_DIR/pictures/ (or --out):

  anode-thermal, 3d           temperature-heated-face.png  the heated face seen
                                                           along the beam, zoomed
                                                           to the spot
                              temperature-section.png      the section y = y_peak
                                                           through the spot
  anode-thermal, axisymmetric temperature-heated-face.png  T(r) along the heated
                                                           face (a chart)
                              temperature-section.png      the (r, z) section,
                                                           mirrored to -r
  stream-potential, particles potential-section.png,       the section through the
                              field-section.png            centre particle normal
                                                           to the anode
                              potential-particle-plane.png the plane of the lowest
                                                           particle layer
  stream-potential, 2D        potential-section.png, field-section.png

  views.pvsm         a ParaView state with the same views (one layout tab per
                     picture): paraview --state=OUTPUT_DIR/pictures/views.pvsm
  data_ranges.json   the range of every point field as ParaView read it (the
                     pictures' colour scales span these), for the tests

Colour bars are titled with the quantity and its unit. Temperature is
coloured on a logarithmic scale from the coolant temperature to the peak,
so that the diamond under a thin hot metal layer is not lost at the dark
end; the sections outline the layer interfaces and give the temperatures
on either side of each interface on the beam axis, probed from the
result. Scale bars are drawn as lines with a label rather than with
ParaView's Ruler: the ParaView 5.11 GUI crashes loading a state with a
Ruler in a view it resizes while loading (a 1200x900 view larger than its
window) and draws at reduced detail (over 20 MB of geometry, as the 3D
heated face). Errors (no solution.pvd, unknown solver) print one line and
exit with status 2.
"""
import argparse
import csv
import json
import math
import os
import sys

from paraview import servermanager
from paraview import simple as pv

SPOT_VIEW_HWHM = 4  # half-height of the zoomed views, in spot HWHM
# Temperature colour map: dark blue (not black) at the coolant end, so
# that the cool diamond stays readable next to the hot metal layer.
TEMPERATURE_PRESET = "Turbo"
WHITE, BLACK = (1, 1, 1), (0, 0, 0)
FIELD_TITLES = {
    "temperature_K": "Temperature (K)",
    "potential_V": "Electric potential (V)",
    "electric_field_magnitude_V_per_m": "Electric field magnitude (V/m)",
}


class InputError(Exception):
    pass


class RenderError(Exception):
    pass


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_directory")
    parser.add_argument("--out", help="directory for the pictures "
                                      "(default OUTPUT_DIRECTORY/pictures)")
    parser.add_argument("--size", default="1200x900", help="WIDTHxHEIGHT in pixels")
    args = parser.parse_args()
    try:
        args.size = [int(n) for n in args.size.lower().split("x")]
        assert len(args.size) == 2 and min(args.size) >= 64
    except (ValueError, AssertionError):
        raise InputError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1200x900")
    args.out = args.out or os.path.join(args.output_directory, "pictures")
    return args


def read_result(directory):
    summary_file = os.path.join(directory, "summary.json")
    # Absolute: the saved state must find the data from any directory.
    result_file = os.path.abspath(os.path.join(directory, "solution.pvd"))
    for name in (summary_file, result_file):
        if not os.path.isfile(name):
            raise InputError(f"{name} does not exist (is {directory} a solver's "
                             "output directory?)")
    with open(summary_file) as file:
        summary = json.load(file)
    reader = pv.PVDReader(registrationName="solution", FileName=result_file)
    reader.UpdatePipeline()
    return summary, reader


def data_ranges(reader):
    """Range of every point field: of the values, or of the magnitude."""
    ranges = {}
    for name in reader.PointData.keys():
        array = reader.PointData[name]
        component = 0 if array.GetNumberOfComponents() == 1 else -1
        ranges[name] = list(array.GetRange(component))
    return ranges


# --- Views ---------------------------------------------------------------


def new_view(size, name):
    """A render view in a layout tab of its own (so the saved state shows
    every picture), white background, no orientation axes."""
    layout = pv.CreateLayout(name)
    view = pv.CreateView("RenderView")
    pv.AssignViewToLayout(view=view, layout=layout, hint=0)
    view.ViewSize = size
    view.OrientationAxesVisibility = 0
    view.UseColorPaletteForBackground = 0
    view.Background = [1, 1, 1]
    view.CameraParallelProjection = 1
    return view


def colour_map(field, preset, data_range, log_scale=False):
    """Set up the colour map of `field` over `data_range`. ParaView keeps
    one colour map per field name, shared by every view: set it up once,
    as mapping the preset to log space a second time would distort it."""
    lut = pv.GetColorTransferFunction(field)
    # The whole result's range in every view, also in the GUI.
    lut.AutomaticRescaleRangeMode = "Never"
    # The range before the preset: the preset is spread over the present
    # range, and the default 0 .. 1 has no logarithm.
    lut.RescaleTransferFunction(*data_range)
    lut.ApplyPreset(preset, True)
    if log_scale:
        lut.MapControlPointsToLogSpace()
        lut.UseLogScale = 1
    return lut


def colour_by(source, view, field, data_range):
    """Show `source` in `view` coloured by `field` (its colour map set up by
    colour_map over `data_range`), with a colour bar."""
    display = pv.Show(source, view)
    lut = pv.GetColorTransferFunction(field)
    # Not pv.ColorBy: it rescales the map to the range of this source (a
    # slice) the first time the map is used.
    display.ColorArrayName = ["POINTS", field]
    display.LookupTable = lut
    bar = pv.GetScalarBar(lut, view)
    bar.Title = FIELD_TITLES.get(field, field)
    bar.ComponentTitle = ""
    bar.TitleColor = bar.LabelColor = list(BLACK)
    bar.TitleFontSize, bar.LabelFontSize = 20, 16
    bar.RangeLabelFormat = "%-#.5g"
    if lut.UseLogScale:
        # ParaView labels a logarithmic bar at powers of ten only: over
        # 293 .. 1183 K that is a single label. Label round values instead.
        bar.UseCustomLabels = 1
        bar.CustomLabels = log_labels(*data_range)
        bar.LabelFormat = "%.4g"
        bar.AddRangeLabels = 1
    # Labels stay readable where the bar lies over the (zoomed) data.
    bar.DrawBackground = 1
    bar.BackgroundColor = [1, 1, 1, 0.85]
    bar.Visibility = 1
    display.SetScalarBarVisibility(view, True)
    return display


def log_labels(low, high):
    """Round values m 10^k (m = 1, 1.5, 2, 3, 4, 5, 6, 8) inside (low, high)
    for a logarithmic colour bar, leaving room for the range labels at its
    ends; thinned to m = 1, 2, 5 and then to powers of ten over wide ranges."""
    span = math.log10(high / low)
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for mantissas in ((1, 1.5, 2, 3, 4, 5, 6, 8), (1, 2, 5), (1,)):
        inside = [m * 10.0 ** k for k in decades for m in mantissas
                  if 0.06 * span < math.log10(m * 10.0 ** k / low) < 0.94 * span]
        if len(inside) <= 8:
            break
    return inside


def title(view, text):
    """The picture's title at the top (one or more lines), black on a white
    box: it stays readable where the zoomed data fill the view, whatever
    their colour."""
    label = pv.Text(registrationName="title", Text=text)
    display = pv.Show(label, view)
    display.Color = list(BLACK)
    display.FontSize = 18
    display.WindowLocation = "Upper Center"
    # The box (the border's background) is drawn only with a border.
    display.ShowBorder = "Always"
    display.BorderColor = [1, 1, 1]
    display.BackgroundColor = [1, 1, 1, 0.85]
    display.Padding = 4


def polyline(view, name, points, colour, width=2):
    """A line through `points`, drawn in one colour whatever the colouring."""
    line = pv.PolyLineSource(registrationName=name, Points=[c for p in points for c in p])
    display = pv.Show(line, view)
    display.ColorArrayName = [None, ""]
    display.AmbientColor = display.DiffuseColor = list(colour)
    display.Ambient, display.Diffuse = 1.0, 0.0  # no shading: the colour as given
    display.LineWidth = width
    return display


FONT_SIZE = 16  # pixels, of the labels in the data


def label(view, name, text, position, colour=WHITE):
    """Text whose lower left corner is anchored at a point of the data, so
    that it moves with the data when the view is zoomed in the GUI. Bold
    with a shadow: white text stays readable over light colours too."""
    source = pv.Text(registrationName=name, Text=text)
    display = pv.Show(source, view)
    display.TextPropMode = "Billboard 3D Text"
    display.BillboardPosition = list(position)
    display.Color = list(colour)
    display.FontSize = FONT_SIZE
    display.Bold = 1
    display.Shadow = int(colour == WHITE)
    return display


def text_colour_over(field, value):
    """Black or white, whichever reads better over the colour that `field`'s
    colour map gives `value`: black where the relative luminance
    0.2126 R + 0.7152 G + 0.0722 B (ITU-R BT.709) exceeds one half."""
    rgb = [0.0, 0.0, 0.0]
    pv.GetColorTransferFunction(field).GetClientSideObject().GetColor(value, rgb)
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return BLACK if luminance > 0.5 else WHITE


def scale_bar(view, start, end, up, pixel, colour=WHITE):
    """A bar from `start` to `end` with end ticks pointing `up`, labelled
    below with its length in um (`pixel`: the length of a pixel). Drawn with
    a line and a text rather than a Ruler: the Ruler's display of ParaView
    5.11 reads its full-detail line, null until a full-detail draw, when
    the GUI's first draw of the view is at reduced detail (level of detail,
    for geometry over 20 MB; the GUI draws so while a state loads when it
    resizes the view to fit its window), and the GUI crashes."""
    length = math.dist(start, end)
    tick = [0.12 * length * u for u in up]
    ends = [[c + t for c, t in zip(point, tick)] for point in (start, end)]
    polyline(view, "scale bar", [ends[0], start, end, ends[1]], colour, width=3)
    below = [c - (FONT_SIZE + 6) * pixel * u for c, u in zip(start, up)]
    label(view, "scale bar length", f"{length * 1e6:.3g} um", below, colour)


def look(view, focus, direction, up, half_height):
    """Parallel projection centred on `focus`, seen from `direction`."""
    # The first render resets the camera to the whole data set: do it first.
    pv.Render(view)
    view.CameraFocalPoint = focus
    view.CameraPosition = [f + d for f, d in zip(focus, direction)]
    view.CameraViewUp = up
    view.CameraParallelScale = half_height


def save(view, out, name, size):
    path = os.path.join(out, name)
    pv.Render(view)
    pv.SaveScreenshot(path, view, ImageResolution=size, TransparentBackground=0)
    print(f"wrote {path}")


# --- anode-thermal ----------------------------------------------------------


def probe(reader, point):
    """The point fields of the result at `point` (interpolated in the cell
    containing it), or a RenderError if the point is outside the mesh."""
    location = pv.ProbeLocation(registrationName="probe", Input=reader,
                                ProbeType="Fixed Radius Point Source")
    location.ProbeType.Center = list(point)
    location.ProbeType.NumberOfPoints = 1
    location.ProbeType.Radius = 0.0
    data = servermanager.Fetch(location).GetPointData()
    values = {data.GetArrayName(i): data.GetArray(i).GetTuple1(0)
              for i in range(data.GetNumberOfArrays())
              if data.GetArray(i).GetNumberOfComponents() == 1}
    pv.Delete(location)  # a helper, not part of the saved views
    if not values.get("vtkValidPointMask"):
        raise RenderError(f"the point {point} is outside the mesh")
    return values


def interface_temperatures(reader, at, depth, step, upper_layer):
    """Temperature on either side of the interface at `depth`, on the beam
    axis. The file holds each cell's own nodal values, so the two sides of
    an interface with a finite thermal boundary conductance carry the two
    temperatures of the jump. VTK counts a point a small fraction of a cell
    outside the cell as inside it, so the probes stay `step` and 2 `step`
    into each layer (`step`: 1 % of the thinner layer, at least 1 % of its
    cells) and extrapolate linearly to the interface: exact while both lie
    in the cell at the interface, as VTK interpolates linearly along z in a
    cell. The probed `layer` field confirms that the interface lies where
    the layer thicknesses of summary.json put it."""
    # Just off the axis: in the axisymmetric file the axis is the mesh's
    # boundary.
    r = 1e-6 * step

    def extrapolated(direction, layer):
        near = probe(reader, at(r, depth + direction * step))
        far = probe(reader, at(r, depth + 2 * direction * step))
        found = (round(near["layer"]), round(far["layer"]))
        if found != (layer, layer):
            raise RenderError(f"layer field {found} at {step:.3g} and {2 * step:.3g} m "
                              f"{'below' if direction > 0 else 'above'} the interface "
                              f"at depth {depth:.6g} m, expected layer {layer}")
        return 2 * near["temperature_K"] - far["temperature_K"]

    return extrapolated(-1, upper_layer), extrapolated(+1, upper_layer + 1)


def mark_layers(view, reader, summary, at, lift, half_width, hwhm, pixel):
    """In a section: each layer named with its thickness, each interface
    drawn as a white line with the temperatures either side of it on the
    beam axis. at(r, depth, towards_camera) is the point of the section at
    distance r from the beam axis and `depth` below the heated face, moved
    `towards_camera`: the marks lie `lift` in front of the coloured section,
    the probes in it. Returns a line per interface giving the temperature
    jump across it on the beam axis, for the title."""
    layers = summary.get("layers", [])
    jumps = []
    top = 0.0
    for i, layer in enumerate(layers):
        thickness, material = layer["thickness_m"], layer["material"]
        # At the left edge of the view, far from the spot where the layers
        # are cool (dark): in the middle of a thin layer, 0.5 HWHM into a
        # thick one. The text's lower left corner is the anchor.
        middle = top + 0.5 * min(thickness, hwhm)
        label(view, f"layer {material}", f"{material} ({thickness * 1e6:.3g} um)",
              at(-0.97 * half_width, middle - 0.5 * FONT_SIZE * pixel, lift))
        bottom = top + thickness
        if i + 1 < len(layers):
            below_material = layers[i + 1]["material"]
            step = 0.01 * min(thickness, layers[i + 1]["thickness_m"])
            T_above, T_below = interface_temperatures(reader, at, bottom, step, i)
            polyline(view, f"interface {material}/{below_material}",
                     [at(-2 * half_width, bottom, lift), at(2 * half_width, bottom, lift)],
                     WHITE)
            # The two temperatures also next to the axis, either side of the
            # line, in black or white against the colours there.
            gap = 3 * pixel
            label(view, f"interface {i + 1}, above", f"{T_above:.1f} K",
                  at(0.1 * hwhm, bottom - gap, lift),
                  text_colour_over("temperature_K", T_above))
            label(view, f"interface {i + 1}, below", f"{T_below:.1f} K",
                  at(0.1 * hwhm, bottom + gap + FONT_SIZE * pixel, lift),
                  text_colour_over("temperature_K", T_below))
            jumps.append(f"{material}/{below_material} interface on the beam axis: "
                         f"{T_above:.1f} K above, {T_below:.1f} K below "
                         f"(jump {T_above - T_below:.1f} K)")
        top = bottom
    return jumps


def heated_face_chart(reader, heading, hwhm, args):
    """T(r) along the heated face of a body of revolution, as a chart."""
    layout = pv.CreateLayout("heated face")
    chart = pv.CreateView("XYChartView")
    pv.AssignViewToLayout(view=chart, layout=layout, hint=0)
    chart.ViewSize = args.size
    line = pv.PlotOverLine(registrationName="heated face T(r)", Input=reader)
    # Just below the face (1e-6 HWHM): the file's single-precision
    # coordinates leave the face itself a rounding error outside, where
    # VTK's probe finds no cell.
    depth = -1e-6 * hwhm
    line.Point1 = [0, depth, 0]
    line.Point2 = [2 * SPOT_VIEW_HWHM * hwhm, depth, 0]
    line.Resolution = 400
    # A chart of a line that missed the mesh is empty but not blank:
    # refuse it rather than save it.
    samples = servermanager.Fetch(line)
    mask = samples.GetPointData().GetArray("vtkValidPointMask")
    found = sum(mask.GetTuple1(i) != 0 for i in range(mask.GetNumberOfTuples()))
    if found < 0.9 * mask.GetNumberOfTuples():
        raise RenderError(f"the heated-face line found the mesh at only {found} "
                          f"of {mask.GetNumberOfTuples()} points")
    # r in um: the axis then reads 0 .. 80 rather than 0 .. 8e-5.
    in_um = pv.Calculator(registrationName="r in um", Input=line,
                          ResultArrayName="r_um", Function="coordsX*1e6")
    display = pv.Show(in_um, chart)
    display.UseIndexForXAxis = 0
    display.XArrayName = "r_um"
    display.SeriesVisibility = ["temperature_K"]
    display.SeriesLabel = ["temperature_K", "temperature on the heated face"]
    chart.ChartTitle = "Heated face: " + heading
    chart.LeftAxisTitle = "Temperature (K)"
    chart.BottomAxisTitle = "Distance from the spot centre r (um)"
    chart.ShowLegend = 0
    save(chart, args.out, "temperature-heated-face.png", args.size)


def anode_pictures(summary, reader, ranges, args):
    hwhm = max(summary["spot_hwhm_m"])
    peak = list(summary["peak_location_m"]) + [0.0] * (3 - len(summary["peak_location_m"]))
    heading = (f"{summary['incident_power_W']:.4g} W incident, peak "
               f"{summary['peak_temperature_K']:.1f} K")
    T_range = ranges["temperature_K"]
    colour_map("temperature_K", TEMPERATURE_PRESET, T_range, log_scale=True)
    half_height = SPOT_VIEW_HWHM * hwhm
    half_width = half_height * args.size[0] / args.size[1]
    # The sections show the heated face near the top and 2.2 half-heights
    # of depth under it.
    centre_depth = 0.6 * half_height
    pixel = 2 * half_height / args.size[1]
    lift = 1e-3 * hwhm  # marks this far in front of the data, towards the camera
    if summary["model"] == "3d":
        # Heated face: the top (z = 0) face of the body, seen from the beam.
        face = new_view(args.size, "heated face")
        surface = pv.ExtractSurface(registrationName="surface", Input=reader)
        colour_by(surface, face, "temperature_K", T_range)
        title(face, "Heated face: " + heading)
        scale_bar(face, [peak[0] - 3.5 * hwhm, peak[1] - 3.3 * hwhm, lift],
                  [peak[0] - 1.5 * hwhm, peak[1] - 3.3 * hwhm, lift], [0, 1, 0], pixel)
        look(face, [peak[0], peak[1], 0], [0, 0, 1], [0, 1, 0], half_height)
        save(face, args.out, "temperature-heated-face.png", args.size)

        # Section through the spot centre containing the beam axis, seen
        # from -y.
        section_view = new_view(args.size, "section")
        section = pv.Slice(registrationName="section y = y_peak", Input=reader)
        section.SliceType = "Plane"
        section.SliceType.Origin = peak
        section.SliceType.Normal = [0, 1, 0]
        colour_by(section, section_view, "temperature_K", T_range)

        def at(r, depth, towards_camera=0.0):
            return [peak[0] + r, peak[1] - towards_camera, -depth]

        jumps = mark_layers(section_view, reader, summary, at, lift, half_width, hwhm, pixel)
        title(section_view, "\n".join(["Section through the spot: " + heading] + jumps))
        scale_bar(section_view, at(-3.5 * hwhm, 5.5 * hwhm, lift),
                  at(-1.5 * hwhm, 5.5 * hwhm, lift), [0, 0, 1], pixel)
        look(section_view, [peak[0], peak[1], -centre_depth], [0, -1, 0], [0, 0, 1],
             half_height)
        save(section_view, args.out, "temperature-section.png", args.size)
    else:
        # The chart first: a render view's text drawn earlier in the same
        # pvbatch leaves every label of a chart drawn twice (ParaView 5.11).
        heated_face_chart(reader, heading, hwhm, args)

        # (r, z) section: x = r, y = z (heated face at y = 0), seen from +z.
        # Mirror it about the axis so the spot appears whole.
        section_view = new_view(args.size, "section")
        mirrored = pv.Reflect(registrationName="section mirrored to -r", Input=reader)
        mirrored.Plane = "X Min"
        mirrored.CopyInput = 1
        colour_by(mirrored, section_view, "temperature_K", T_range)

        def at(r, depth, towards_camera=0.0):
            return [r, -depth, towards_camera]

        jumps = mark_layers(section_view, reader, summary, at, lift, half_width, hwhm, pixel)
        title(section_view, "\n".join(["Section (r, z) through the spot: " + heading]
                                      + jumps))
        scale_bar(section_view, at(-3.5 * hwhm, 5.5 * hwhm, lift),
                  at(-1.5 * hwhm, 5.5 * hwhm, lift), [0, 1, 0], pixel)
        look(section_view, [0, -centre_depth, 0], [0, 0, 1], [0, 1, 0], half_height)
        save(section_view, args.out, "temperature-section.png", args.size)


# --- stream-potential ---------------------------------------------------------


def particle_centres(directory):
    path = os.path.join(directory, "particles.csv")
    if not os.path.isfile(path):
        return []
    with open(path, newline="") as file:
        return [(float(r["x"]), float(r["y"]), float(r["z"]), float(r["radius_m"]))
                for r in csv.DictReader(file)]


def stream_pictures(summary, reader, ranges, args):
    bounds = reader.GetDataInformation().GetBounds()
    centres = particle_centres(args.output_directory)
    phi_range, E_range = ranges["potential_V"], ranges["electric_field_magnitude_V_per_m"]
    heading = f"{summary.get('n_particles', 0)} particles"
    if "max_emitting_field_V_per_m" in summary and summary.get("n_limited", 0):
        heading += f", {summary['n_limited']} at the field-emission limit"

    if centres:
        # The particle nearest the middle of the stream, and the section
        # through it normal to the anode (the anode is z = 0).
        mx = sum(c[0] for c in centres) / len(centres)
        my = sum(c[1] for c in centres) / len(centres)
        centre = min(centres, key=lambda c: math.hypot(c[0] - mx, c[1] - my))
        top = max(c[2] + c[3] for c in centres)
        half_height = 0.75 * top + 2 * centre[3]
        # The anode (z = 0) just above the lower edge of the picture.
        focus = [centre[0], centre[1], 0.9 * half_height]
        normal, direction, up = [0, 1, 0], [0, -1, 0], [0, 0, 1]
        lowest = min(c[2] for c in centres)
    else:
        # Continuum (2D) model: the whole (x, z) domain.
        focus = [(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, 0]
        half_height = 0.55 * max(bounds[3] - bounds[2], (bounds[1] - bounds[0]) * 0.75)
        normal, direction, up = None, [0, 0, 1], [0, 1, 0]

    source = reader
    if normal:
        source = pv.Slice(registrationName="section through the centre particle",
                          Input=reader)
        source.SliceType = "Plane"
        source.SliceType.Origin = [centre[0], centre[1], centre[2]]
        source.SliceType.Normal = normal
    colour_map("potential_V", "Cool to Warm", phi_range)
    colour_map("electric_field_magnitude_V_per_m", "Viridis (matplotlib)", E_range,
               log_scale=E_range[0] > 0)
    for field, range_, name in (
            ("potential_V", phi_range, "potential-section.png"),
            ("electric_field_magnitude_V_per_m", E_range, "field-section.png")):
        view = new_view(args.size, name[:-4])
        colour_by(source, view, field, range_)
        title(view, "Section through the stream: " + heading)
        look(view, focus, direction, up, half_height)
        if normal:
            r = centre[3]
            # On the (red) enclosure side of the section, in front of it.
            lift = 1e-3 * r
            scale_bar(view, [centre[0] - 4 * r, centre[1] - lift, 1.5 * half_height],
                      [centre[0] - 2 * r, centre[1] - lift, 1.5 * half_height], [0, 0, 1],
                      2 * half_height / args.size[1], BLACK)
        save(view, args.out, name, args.size)

    if centres:
        plane = pv.Slice(registrationName="plane of the lowest particle layer",
                         Input=reader)
        plane.SliceType = "Plane"
        plane.SliceType.Origin = [mx, my, lowest]
        plane.SliceType.Normal = [0, 0, 1]
        view = new_view(args.size, "particle plane")
        colour_by(plane, view, "potential_V", phi_range)
        title(view, f"Plane of the lowest particle layer (z = {lowest * 1e6:.3g} um): "
                    + heading)
        extent = max(max(abs(c[0] - mx), abs(c[1] - my)) + c[3] for c in centres)
        look(view, [mx, my, lowest], [0, 0, 1], [0, 1, 0], 1.1 * extent)
        save(view, args.out, "potential-particle-plane.png", args.size)


def main():
    try:
        args = arguments()
        summary, reader = read_result(args.output_directory)
        solver = summary.get("solver")
        if solver not in ("anode-thermal", "stream-potential"):
            raise InputError(f"summary.json names solver {solver!r}: expected "
                             "anode-thermal or stream-potential")
        os.makedirs(args.out, exist_ok=True)
        ranges = data_ranges(reader)
        with open(os.path.join(args.out, "data_ranges.json"), "w") as file:
            json.dump(ranges, file, indent=2)
        if solver == "anode-thermal":
            anode_pictures(summary, reader, ranges, args)
        else:
            stream_pictures(summary, reader, ranges, args)
        pv.SaveState(os.path.join(args.out, "views.pvsm"))
        print(f"wrote {os.path.join(args.out, 'views.pvsm')} "
              f"(paraview --state={os.path.join(args.out, 'views.pvsm')})")
    except InputError as error:
        print(f"render.py: error: {error}", file=sys.stderr)
        sys.exit(2)
    except RenderError as error:
        print(f"render.py: error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
