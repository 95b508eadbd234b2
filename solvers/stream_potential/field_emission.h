// Electron emission from a charged particle's surface (doc/theory.md section 2,
// "Field-emission limit"): cold field emission in the Murphy-Good
// Fowler-Nordheim form of Forbes (2006), its low-temperature thermal
// correction (Murphy & Good 1956), Richardson-Dushman emission with Schottky
// lowering, and the per-particle current balance of the charge iteration.
//
// Units: SI inside (fields in V/m, current densities in A/m^2, areas in m^2,
// currents in A, temperatures in K), except work functions and energies,
// which are in eV as in the formulas. A "surface field" is the field
// component that pulls electrons out of the surface (for a negatively charged
// particle, -E.n with n the outward normal); zero or negative means none.
//
// References:
//   R. G. Forbes, "Simple good approximations for the special elliptic
//     functions in standard Fowler-Nordheim tunneling theory for a
//     Schottky-Nordheim barrier", Appl. Phys. Lett. 89, 113122 (2006).
//   E. L. Murphy and R. H. Good, "Thermionic emission, field emission, and
//     the transition region", Phys. Rev. 102, 1464 (1956).
//   R. G. Forbes and J. H. B. Deane, "Reformulation of the standard theory of
//     Fowler-Nordheim tunnelling and cold field electron emission",
//     Proc. R. Soc. A 463, 2907 (2007) (the decay width d_F).
//   CODATA 2018 values of e, h, m_e, eps0, k_B for the constants below.
#ifndef XRAY_STREAM_POTENTIAL_FIELD_EMISSION_H
#define XRAY_STREAM_POTENTIAL_FIELD_EMISSION_H

#include <vector>

namespace xray
{
  namespace stream_potential
  {
    /// Constants of the emission formulas. Each is the published rounded
    /// value; the CODATA expression it comes from is given (the unit tests
    /// recompute them from e, h, m_e, eps0, k_B).
    namespace emission_constants
    {
      /// First Fowler-Nordheim constant a_FN = e^3 / (8 pi h), A eV V^-2.
      constexpr double first_fn_constant = 1.541434e-6;
      /// Second Fowler-Nordheim constant b_FN = (8 pi / 3) sqrt(2 m_e) / (e
      /// h), expressed in eV^-3/2 V m^-1.
      constexpr double second_fn_constant = 6.830890e9;
      /// Schottky-Nordheim constant c_S^2 = e^3 / (4 pi eps0) in eV^2 m/V:
      /// the scaled barrier field is f = c_S^2 F / phi^2 (F in V/m, phi in eV).
      constexpr double schottky_nordheim_constant = 1.439965e-9;
      /// Richardson constant A_R = 4 pi m_e k_B^2 e / h^3, A m^-2 K^-2.
      constexpr double richardson_constant = 1.20173e6;
      /// Schottky barrier lowering sqrt(e^3 F / (4 pi eps0)) = c_S sqrt(F):
      /// c_S in eV (V/m)^-1/2 (doc/theory.md rounds it to 3.7947e-5).
      constexpr double schottky_lowering_coefficient = 3.7947e-5;
      /// Boltzmann constant k_B / e, eV/K (CODATA 2018 exact k_B and e, to 10
      /// digits).
      constexpr double boltzmann_eV_per_K = 8.617333262e-5;
    } // namespace emission_constants

    /// Largest ratio k_B T / d_F at which the Murphy-Good low-temperature
    /// factor is used as it stands; beyond it the factor is held at its value
    /// there (see thermal_field_factor()).
    constexpr double max_thermal_energy_ratio = 0.6;

    /// What a particle's surface emits with.
    struct EmitterSurface
    {
      /// eV; 4.5 for tungsten.
      double work_function_eV = 4.5;
      /// beta >= 1: local field = beta * macroscopic surface field; stands
      /// for surface roughness (doc/theory.md section 2).
      double field_enhancement_factor = 1.0;
      /// K; used only when thermally_assisted.
      double temperature_K = 300.;
      /// false: cold Murphy-Good field emission only; true: also the thermal
      /// correction and Richardson-Dushman-Schottky emission.
      bool thermally_assisted = false;
      /// m; 0: no retarding branch (J = 0 where the surface field does not
      /// extract electrons). Positive (thermally assisted only): a retarding
      /// surface field F < 0 lets out the thermionic electrons that climb
      /// the barrier e |F| L with L this length, the particle radius for the
      /// Coulomb field of a charged sphere (see
      /// retarded_thermionic_current_density()).
      double retarding_length_m = 0.;

      /// Throws InputError (one line) for a non-finite or non-positive work
      /// function, a non-finite enhancement factor or one below 1, or a
      /// non-finite or negative temperature.
      void
      check() const;
    };

    /// Scaled barrier field f = c_S^2 F / phi^2 (Forbes 2006); f = 1 is the
    /// field at which the Schottky-Nordheim barrier top reaches the Fermi
    /// level.
    double
    scaled_barrier_field(double local_field_V_per_m, double work_function_eV);

    /// Forbes' (2006) approximation of the Schottky-Nordheim barrier function
    /// v(f) = 1 - f + (f/6) ln f, 0 <= f <= 1 (error below 0.33 %).
    /// Held at v(1) = 0 for f > 1; v(0) = 1.
    double
    barrier_function_v(double f);

    /// Forbes' (2006) approximation t(f) = 1 + f/9 - (f/18) ln f; held at
    /// t(1) = 10/9 for f > 1; t(0) = 1.
    double
    barrier_function_t(double f);

    /// Cold field emission, Murphy-Good Fowler-Nordheim in Forbes' form:
    ///   J = a_FN / (t_f^2 phi) F^2 exp(-v_f b_FN phi^3/2 / F),  A/m^2,
    /// F the local field (V/m), phi in eV. Zero for F <= 0.
    ///
    /// Validity: f < 1. At f >= 1 (F >= phi^2 / c_S^2, 1.41e10 V/m for
    /// phi = 4.5 eV) the barrier top is below the Fermi level, tunnelling
    /// theory no longer applies and the real current is limited by electron
    /// supply and space charge, which this module does not model. There f is
    /// held at 1 (v = 0, t = 10/9), so J stays continuous and monotone and
    /// grows only as F^2 instead of exponentially (which the formula with
    /// v < 0 would give). Values beyond f = 1 are an extrapolation, not a
    /// prediction; they lie far above the fields of interest (the engineering
    /// cap is 1e9 V/m).
    ///
    /// Sanity: for phi = 4.5 eV, J = 4.2 A/m^2 at 2e9 V/m, about 1e4 A/m^2
    /// at 2.6e9 V/m and 3.8e9 A/m^2 at 5e9 V/m.
    double
    murphy_good_current_density(double local_field_V_per_m,
                                double work_function_eV);

    /// ln of murphy_good_current_density() (J in A/m^2), computed without
    /// underflow; -infinity for F <= 0.
    double
    log_murphy_good_current_density(double local_field_V_per_m,
                                    double work_function_eV);

    /// Decay width of the tunnelling probability at the Fermi level, eV:
    ///   d_F = e hbar F / (2 sqrt(2 m_e phi) t_f) = 2 F / (3 b_FN sqrt(phi)
    ///   t_f)
    /// (the two are the same expression, since b_FN = 4 sqrt(2 m_e) / (3 e
    /// hbar)); 0.217 eV at F = 5e9 V/m, phi = 4.5 eV. F > 0 required.
    double
    decay_width_eV(double local_field_V_per_m, double work_function_eV);

    /// Murphy & Good's (1956) low-temperature factor of field emission,
    ///   J(F, T) / J(F, 0) = (pi p) / sin(pi p),  p = k_B T / d_F,
    /// from integrating the linearised tunnelling exponent over the
    /// Fermi-Dirac distribution (the integral converges for p < 1 only).
    /// The linearisation holds when the emitted electrons come from close to
    /// the Fermi level and fails as p -> 1. Checked against a direct
    /// numerical integration of the WKB (Kemble) transmission of the
    /// Schottky-Nordheim barrier, with the exact v, over the Fermi-Dirac
    /// supply (phi = 4.5 eV): at p <= 0.6 the factor is within 1 % for
    /// F <= 5e9 V/m and 16 % high at 1e10 V/m; at p = 0.8 it is 18 % high at
    /// 5e9 V/m. It is therefore used up to p = max_thermal_energy_ratio (0.6,
    /// factor 1.98) and held at that value beyond, which keeps J(F)
    /// continuous and monotone and underestimates the thermal-field current
    /// there. 1 for T = 0 or F <= 0.
    double
    thermal_field_factor(double local_field_V_per_m,
                         double work_function_eV,
                         double temperature_K);

    /// Richardson-Dushman emission with Schottky lowering,
    ///   J = A_R T^2 exp(-(phi - c_S sqrt(F)) / (k_B T)),  A/m^2,
    /// F >= 0 the local field (a negative F counts as 0), T in K (0 gives 0).
    /// The lowering is held at phi (barrier gone: J = A_R T^2) for larger F.
    /// Valid where the emission comes over the barrier top, i.e. at high T
    /// and fields well below f = 1; it neglects tunnelling through the upper
    /// part of the barrier (an underestimate at high F).
    double
    richardson_schottky_current_density(double local_field_V_per_m,
                                        double work_function_eV,
                                        double temperature_K);

    /// ln of richardson_schottky_current_density(); -infinity at T = 0.
    double
    log_richardson_schottky_current_density(double local_field_V_per_m,
                                            double work_function_eV,
                                            double temperature_K);

    /// Fraction of the thermionic (Richardson-Dushman) electrons that climb
    /// a retarding barrier of @p barrier_eV at @p temperature_K when the
    /// barrier is the Coulomb potential of a charged sphere:
    ///   (1 + x) exp(-x),  x = barrier / (k_B T).
    /// The emitted flux has the distribution E exp(-E / k_B T) dE in the
    /// total kinetic energy E (a half-Maxwellian flux), and in the attracting
    /// Coulomb field of a positive sphere an electron escapes if and only if
    /// E exceeds the barrier, whatever its direction (doc/theory.md section
    /// 2; Sodha & Guha 1971, the thermionic current of a positively charged
    /// sphere). A plane would give exp(-x) (the normal energy alone counts):
    /// the sphere lets out more. 1 for a barrier <= 0; T > 0 required.
    double
    retarded_thermionic_fraction(double barrier_eV, double temperature_K);

    /// ln of retarded_thermionic_fraction(), without underflow.
    double
    log_retarded_thermionic_fraction(double barrier_eV, double temperature_K);

    /// Thermionic emission against a retarding surface field F < 0 (field
    /// pushing electrons back): Richardson-Dushman at zero field, times the
    /// fraction that climbs the barrier e |F| L, L = @p surface's
    /// retarding_length_m (the macroscopic field: roughness does not change
    /// a potential difference):
    ///   J = A_R T^2 exp(-phi / k_B T) (1 + x) exp(-x),  x = |F| L / (k_B T /
    ///   e).
    /// For an isolated sphere of radius L, |F| L is its potential, and this
    /// is exact (within Richardson-Dushman); near other conductors it is a
    /// local estimate of the barrier. It joins the Schottky branch
    /// continuously at F = 0, where both give A_R T^2 exp(-phi / k_B T).
    /// ln J; -infinity when the surface is not thermally assisted, T = 0 or
    /// L = 0 (no retarding branch).
    double
    log_retarded_thermionic_current_density(double retarding_field_V_per_m,
                                            const EmitterSurface &surface);

    /// Emitted current density (A/m^2) of @p surface under the macroscopic
    /// surface field @p surface_field_V_per_m; the local field is beta times
    /// it. For a surface field <= 0 (no extracting field): zero, or, with a
    /// retarding length, the retarded thermionic emission
    /// (log_retarded_thermionic_current_density()); the current is then
    /// continuous and non-decreasing in the field through 0.
    ///
    /// Cold surface: Murphy-Good (murphy_good_current_density()).
    /// Thermally assisted: max(J_MG * thermal_field_factor(), J_RS). This is
    /// an engineering interpolation between the field-emission and the
    /// thermionic regime, not the general thermal-field theory (Jensen's GTF
    /// or Murphy & Good's intermediate-region formula are not implemented).
    /// Against the numerical integration described at thermal_field_factor()
    /// (phi = 4.5 eV, 1500-3000 K, 3e8-8e9 V/m) it is within -20 %/+10 %
    /// where one regime dominates: k_B T / d_F <= 0.6 (field-emission side)
    /// or low fields (thermionic side). In the transition between them both
    /// branches miss the thermally excited electrons that tunnel through the
    /// upper part of the barrier, so the result is a lower estimate there:
    /// low by a factor 2-4 typically and up to 10 (e.g. 1500 K at 2e9 V/m,
    /// 2000 K at 3e9 V/m).
    double
    emission_current_density(double                surface_field_V_per_m,
                             const EmitterSurface &surface);

    /// ln of emission_current_density(); -infinity where it is 0.
    double
    log_emission_current_density(double                surface_field_V_per_m,
                                 const EmitterSurface &surface);

    /// d ln J / dF (m/V) of log_emission_current_density() at @p
    /// surface_field_V_per_m, by a central difference of width 1e-6 |F| +
    /// 100 V/m (one-sided where J is 0 on the low side; 0 where J is 0 on
    /// both). The 100 V/m smooth the infinite Schottky slope at F = 0+. For
    /// Newton's method on the current balance.
    double
    log_emission_current_density_slope(double surface_field_V_per_m,
                                       const EmitterSurface &surface);

    /// Total emitted current sum_k w_k J(F_k) (A) of one particle from
    /// samples of its surface field F_k (V/m) at surface quadrature points
    /// with area weights w_k (m^2). Summed in logarithms, so it neither
    /// underflows nor overflows while the result is representable. Throws
    /// std::invalid_argument for arrays of different lengths, non-finite
    /// fields or negative or non-finite weights.
    double
    emitted_current(const std::vector<double> &surface_field,
                    const std::vector<double> &area_weight,
                    const EmitterSurface      &surface);

    /// Current balance of one particle: the scale s > 0 with
    ///   sum_k w_k J(s F_k) = target_current_A.
    /// The particle's surface field is taken to scale with its own charge, so
    /// s is the factor by which the charge must change for the field-emission
    /// current to carry away exactly the target current (the net current the
    /// beam deposits). This treats the whole sampled field as proportional to
    /// the particle's own charge; the fields of the other particles and the
    /// electrodes are corrected by the solver's outer charge iteration.
    ///
    /// The emitted current is monotone in s; the root is bracketed in
    /// [min_balance_scale, max_balance_scale] and solved for ln s with TOMS
    /// 748 on ln(current) (current spans hundreds of orders of magnitude),
    /// to about machine precision in ln s (relative 1e-13 in s or better).
    /// Throws std::invalid_argument for a target that is not positive and
    /// finite or bad samples (see emitted_current()), and SolverError when no
    /// s in that range balances (e.g. no point with a positive field, a
    /// target above the current at s = 1e6, or, for a hot surface, below the
    /// thermionic current at s = 1e-6).
    double
    current_balance_scale(const std::vector<double> &surface_field,
                          const std::vector<double> &area_weight,
                          double                     target_current_A,
                          const EmitterSurface      &surface);

    /// Bounds of the scale searched by current_balance_scale().
    constexpr double min_balance_scale = 1e-6;
    constexpr double max_balance_scale = 1e6;
  } // namespace stream_potential
} // namespace xray

#endif
