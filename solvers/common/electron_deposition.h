// Electron deposition laws shared by the solvers (doc/theory.md section 2):
// the electron range, the backscattered energy and the depth profile of the
// energy the electrons deposit below the surface they enter.
#ifndef XRAY_COMMON_ELECTRON_DEPOSITION_H
#define XRAY_COMMON_ELECTRON_DEPOSITION_H

#include "common/materials.h"

#include <string>
#include <utility>
#include <vector>

namespace xray
{
  /// Kanaya-Okayama electron range (J. Phys. D 5 (1972) 43) in m:
  ///   R[um] = 0.0276 A E^1.67 / (Z^0.889 rho),
  /// A in g/mol, E in keV, rho in g/cm^3. Throws InputError when the
  /// material has no atomic number, atomic mass or density.
  double
  kanaya_okayama_range(const Material &material, double tube_voltage);

  /// Backscatter coefficient (fraction of the electrons) of a thick
  /// target, Hunger & Kuechler, phys. stat. sol. (a) 56 (1979) K45:
  ///   eta = E^m C, m = 0.1382 - 0.9211/sqrt(Z),
  ///   C = 0.1904 - 0.2236 ln Z + 0.1292 ln^2 Z - 0.01491 ln^3 Z,
  /// E in keV (fitted for 4-40 keV, used here up to ~100 keV).
  double
  backscatter_coefficient(double atomic_number, double tube_voltage);

  /// Fraction of the incident energy carried away by backscattered
  /// electrons: eta times the mean fractional energy of the backscattered
  /// electrons, W = 0.595 + eta/3.7 + eta^4.55 (the fit of Love, Cox &
  /// Scott, J. Phys. D 11 (1978) 7, used in EPMA backscatter corrections).
  double
  energy_backscatter_fraction(double atomic_number, double tube_voltage);

  /// Depth profile h(depth) of the deposited energy, 1/m.
  ///  * surface: all of it on the heated face (no volumetric source);
  ///  * depth-dose: the Everhart-Hoff universal depth-dose curve
  ///    (J. Appl. Phys. 42 (1971) 5837),
  ///      lambda(y) = 0.60 + 6.21 y - 12.40 y^2 + 5.69 y^3, 0 <= y <= 1.1,
  ///    with y = 1.1 u so the deposition ends at the electron range; u the
  ///    range-scaled depth u = sum_layers (path in layer) / R_KO(layer),
  ///    so a layer thinner than its range passes the rest of the energy
  ///    to the layers below with their own stopping (for elements of
  ///    similar A/Z^0.889 this is the mass-thickness scaling). Then
  ///    h = f(u) / R_KO(layer at depth) with f(u) = 1.1 lambda(1.1 u) /
  ///    int_0^1.1 lambda;
  ///  * table: deposition per unit depth read from a file (depth in m,
  ///    relative deposition), interpolated linearly, zero outside it, and
  ///    normalised to integral 1 over the table.
  class DepthProfile
  {
  public:
    enum class Kind
    {
      surface,
      depth_dose,
      table
    };

    /// Surface deposition.
    DepthProfile() = default;
    /// Everhart-Hoff curve through layers of the given thicknesses and
    /// electron ranges (m), from the heated face down.
    static DepthProfile
    depth_dose(const std::vector<double> &layer_thicknesses,
               const std::vector<double> &electron_ranges);
    /// Table of (depth in m, relative deposition per unit depth) points
    /// through layers of the given total thickness (m).
    static DepthProfile
    table(std::vector<std::pair<double, double>> points,
          double                                 anode_thickness);
    /// Read a two-column table file: '#' starts a comment, columns are
    /// separated by blanks or a comma. Throws InputError naming the file
    /// and line of anything malformed.
    static DepthProfile
    read_table(const std::string &file_name, double anode_thickness);

    Kind
    kind() const
    {
      return profile_kind;
    }
    bool
    is_volumetric() const
    {
      return profile_kind != Kind::surface;
    }
    /// h(depth) in 1/m; zero outside the anode.
    double
    value(double depth) const;
    /// int_0^thickness h: the fraction of the absorbed power deposited in
    /// the anode (the rest is transmitted through its back face).
    double
    deposited_fraction() const
    {
      return deposited;
    }
    /// int_0^depth h: the deposition above @p depth (exact).
    double
    cumulative(double depth) const;
    /// Depth above which the given fraction of the deposited energy
    /// lies, m (by bisection on cumulative()). 0 for surface.
    double
    depth_of_fraction(double fraction) const;
    /// Depth below which nothing is deposited, m. 0 for surface.
    double
    deposition_end() const;

  private:
    /// Everhart-Hoff f(u), integral 1 over 0 <= u <= 1.
    static double
    universal_profile(double u);
    /// int_0^u f.
    static double
    universal_integral(double u);
    /// depth-dose: the layer holding @p depth, and u(depth).
    unsigned int
    layer_at(double depth) const;
    double
    range_scaled_depth(double depth) const;

    Kind profile_kind = Kind::surface;
    // depth-dose: layer tops (m), their range-scaled depths u, ranges (m).
    std::vector<double> layer_tops, layer_u, ranges;
    // table: points with the normalising factor folded in.
    std::vector<std::pair<double, double>> points;
    double                                 thickness = 0;
    double                                 deposited = 1;
  };
} // namespace xray

#endif
