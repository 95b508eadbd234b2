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

Colour bars are titled with the quantity and its unit. Errors (no
solution.pvd, unknown solver) print one line and exit with status 2.
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


def colour_by(source, view, field, preset, data_range, log_scale=False):
    display = pv.Show(source, view)
    pv.ColorBy(display, ("POINTS", field))
    lut = pv.GetColorTransferFunction(field)
    lut.ApplyPreset(preset, True)
    if log_scale:
        lut.MapControlPointsToLogSpace()
        lut.UseLogScale = 1
    lut.RescaleTransferFunction(*data_range)
    bar = pv.GetScalarBar(lut, view)
    bar.Title = FIELD_TITLES.get(field, field)
    bar.ComponentTitle = ""
    bar.TitleColor = bar.LabelColor = [0, 0, 0]
    bar.TitleFontSize, bar.LabelFontSize = 20, 16
    bar.RangeLabelFormat = "%-#.5g"
    # Labels stay readable where the bar lies over the (zoomed) data.
    bar.DrawBackground = 1
    bar.BackgroundColor = [1, 1, 1, 0.85]
    bar.Visibility = 1
    display.SetScalarBarVisibility(view, True)
    return display


def title(view, text):
    label = pv.Text(Text=text)
    display = pv.Show(label, view)
    display.Color = [0, 0, 0]
    display.FontSize = 18
    display.WindowLocation = "Upper Center"
    display.BackgroundColor = [1, 1, 1, 0.85]


def scale_bar(view, start, end, colour=(1, 1, 1)):
    """A ruler from `start` to `end` labelled with its length in um."""
    ruler = pv.Ruler(Point1=start, Point2=end)
    display = pv.Show(ruler, view)
    display.Scale = 1e6
    display.LabelFormat = "%-#.3g um"
    display.Color = list(colour)
    display.AxisColor = list(colour)
    display.FontSize = 16


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


def anode_pictures(summary, reader, ranges, args):
    hwhm = max(summary["spot_hwhm_m"])
    peak = list(summary["peak_location_m"]) + [0.0] * (3 - len(summary["peak_location_m"]))
    heading = (f"{summary['incident_power_W']:.4g} W incident, peak "
               f"{summary['peak_temperature_K']:.1f} K")
    T_range = ranges["temperature_K"]
    if summary["model"] == "3d":
        # Heated face: the top (z = 0) face of the body, seen from the beam.
        face = new_view(args.size, "heated face")
        surface = pv.ExtractSurface(registrationName="surface", Input=reader)
        colour_by(surface, face, "temperature_K", "Inferno (matplotlib)", T_range)
        title(face, "Heated face: " + heading)
        scale_bar(face, [peak[0] - 3.5 * hwhm, peak[1] - 3.3 * hwhm, 1e-3 * hwhm],
                  [peak[0] - 1.5 * hwhm, peak[1] - 3.3 * hwhm, 1e-3 * hwhm])
        look(face, [peak[0], peak[1], 0], [0, 0, 1], [0, 1, 0], SPOT_VIEW_HWHM * hwhm)
        save(face, args.out, "temperature-heated-face.png", args.size)

        # Section through the spot centre containing the beam axis.
        section_view = new_view(args.size, "section")
        section = pv.Slice(registrationName="section y = y_peak", Input=reader)
        section.SliceType = "Plane"
        section.SliceType.Origin = peak
        section.SliceType.Normal = [0, 1, 0]
        colour_by(section, section_view, "temperature_K", "Inferno (matplotlib)", T_range)
        title(section_view, "Section through the spot: " + heading)
        scale_bar(section_view, [peak[0] - 3.5 * hwhm, peak[1], -5.5 * hwhm],
                  [peak[0] - 1.5 * hwhm, peak[1], -5.5 * hwhm])
        look(section_view, [peak[0], 0, -SPOT_VIEW_HWHM * hwhm * 0.6], [0, -1, 0],
             [0, 0, 1], SPOT_VIEW_HWHM * hwhm)
        save(section_view, args.out, "temperature-section.png", args.size)
    else:
        # (r, z) section: x = r, y = z (heated face at y = 0). Mirror it
        # about the axis so the spot appears whole.
        section_view = new_view(args.size, "section")
        mirrored = pv.Reflect(registrationName="section mirrored to -r", Input=reader)
        mirrored.Plane = "X Min"
        mirrored.CopyInput = 1
        colour_by(mirrored, section_view, "temperature_K", "Inferno (matplotlib)", T_range)
        title(section_view, "Section (r, z) through the spot: " + heading)
        scale_bar(section_view, [-3.5 * hwhm, -5.5 * hwhm, 0], [-1.5 * hwhm, -5.5 * hwhm, 0])
        look(section_view, [0, -SPOT_VIEW_HWHM * hwhm * 0.6, 0], [0, 0, 1], [0, 1, 0],
             SPOT_VIEW_HWHM * hwhm)
        save(section_view, args.out, "temperature-section.png", args.size)

        # Heated face of a body of revolution: T(r) along z = 0.
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
        display = pv.Show(line, chart)
        display.UseIndexForXAxis = 0
        display.XArrayName = "arc_length"
        display.SeriesVisibility = ["temperature_K"]
        display.SeriesLabel = ["temperature_K", "temperature on the heated face"]
        chart.ChartTitle = "Heated face: " + heading
        chart.LeftAxisTitle = "Temperature (K)"
        chart.BottomAxisTitle = "Distance from the spot centre r (m)"
        chart.ShowLegend = 0
        save(chart, args.out, "temperature-heated-face.png", args.size)


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
    for field, preset, range_, name, log_scale in (
            ("potential_V", "Cool to Warm", phi_range, "potential-section.png", False),
            ("electric_field_magnitude_V_per_m", "Viridis (matplotlib)", E_range,
             "field-section.png", E_range[0] > 0)):
        view = new_view(args.size, name[:-4])
        colour_by(source, view, field, preset, range_, log_scale)
        title(view, "Section through the stream: " + heading)
        look(view, focus, direction, up, half_height)
        if normal:
            r = centre[3]
            scale_bar(view, [centre[0] - 4 * r, centre[1], 1.6 * half_height],
                      [centre[0] - 2 * r, centre[1], 1.6 * half_height], (0, 0, 0))
        save(view, args.out, name, args.size)

    if centres:
        plane = pv.Slice(registrationName="plane of the lowest particle layer",
                         Input=reader)
        plane.SliceType = "Plane"
        plane.SliceType.Origin = [mx, my, lowest]
        plane.SliceType.Normal = [0, 0, 1]
        view = new_view(args.size, "particle plane")
        colour_by(plane, view, "potential_V", "Cool to Warm", phi_range)
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
