// Material library: thermal data of anode materials (doc/theory.md section 3)
// and user-defined materials from the parameter file.
#ifndef XRAY_COMMON_MATERIALS_H
#define XRAY_COMMON_MATERIALS_H

#include <deal.II/base/parameter_handler.h>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  using namespace dealii;

  /// A material property as a function of temperature f(T), T in K.
  /// Forms: a constant, a (T, f) table interpolated linearly (held constant
  /// beyond its ends), a power law f_ref (T / T_ref)^n, a closed formula, or
  /// a muparser expression in T.
  class TemperatureFunction
  {
  public:
    TemperatureFunction() = default;

    static TemperatureFunction
    constant(double value);
    static TemperatureFunction
    table(std::vector<std::pair<double, double>> points);
    static TemperatureFunction
    power_law(double reference_value,
              double reference_temperature,
              double exponent);
    static TemperatureFunction
    formula(std::function<double(double)> value,
            std::function<double(double)> derivative,
            std::string                   description);
    static TemperatureFunction
    expression(const std::string &expression);

    /// Parse the user form: "401" (constant), "300:401, 600:379" (table of
    /// T:value pairs) or an expression in T such as "2200*(T/300)^-1.2".
    /// Throws InputError naming @p what.
    static TemperatureFunction
    parse(const std::string &text, const std::string &what);

    bool
    is_defined() const
    {
      return static_cast<bool>(value_function);
    }
    bool
    is_constant() const
    {
      return constant_value;
    }
    double
    value(double temperature) const
    {
      return value_function(temperature);
    }
    double
    derivative(double temperature) const
    {
      return derivative_function(temperature);
    }
    /// int_{T0}^{T1} f(T) dT, exact for constants, adaptive Gauss-Kronrod
    /// otherwise. For the conductivity this is the Kirchhoff transform.
    double
    integral(double T0, double T1) const;
    const std::string &
    description() const
    {
      return text;
    }

  private:
    std::function<double(double)> value_function;
    std::function<double(double)> derivative_function;
    bool                          constant_value = false;
    std::string                   text;
  };

  /// Specific enthalpy above a reference temperature,
  ///   H(T) = int_{T_ref}^{T} c_p(T') dT'  (J/kg),
  /// the stored heat of the transient heat equation in conservation form,
  /// d(rho H)/dt = div(k grad T) + s (doc/theory.md). A constant c_p gives
  /// c_p (T - T_ref) exactly; otherwise H is tabulated once, every 2 K from
  /// 1 K to 8000 K (each interval by Gauss-Kronrod), and interpolated by
  /// cubic Hermite polynomials with c_p at the nodes; beyond the table it
  /// continues with the end's c_p. heat_capacity() is the derivative of the
  /// interpolant, so Newton's Jacobian is that of the residual.
  class Enthalpy
  {
  public:
    Enthalpy() = default;
    Enthalpy(const TemperatureFunction &heat_capacity,
             double                     reference_temperature);

    /// H(T), J/kg.
    double
    value(double temperature) const;
    /// dH/dT, J/(kg K).
    double
    heat_capacity(double temperature) const;

  private:
    double              reference              = 0;
    double              constant_heat_capacity = 0; // > 0: H = c (T - T_ref)
    double              first_node = 1, spacing = 2;
    std::vector<double> nodes_H, nodes_c; // at first_node + i spacing
    /// Interval index and local coordinate s in [0, 1] of @p T, clamped.
    std::pair<unsigned int, double>
    locate(double temperature) const;
  };

  struct Material
  {
    std::string         name;
    std::string         source;        // where the data come from
    TemperatureFunction conductivity;  // W/(m K)
    TemperatureFunction heat_capacity; // J/(kg K)
    double              density = 0;   // kg/m^3
    /// K; NaN for a material that does not melt (diamond graphitises).
    double melting_point;
    /// Latent heat of fusion, J/kg; NaN where unknown or for a material
    /// that does not melt.
    double latent_heat = std::numeric_limits<double>::quiet_NaN();
    /// K; the default design limit: the melting point, or for diamond the
    /// graphitisation onset in vacuum (1800 K).
    double temperature_limit;
    /// Fraction of the incident electron energy backscattered (Reimer 1998
    /// estimates, +-20 %); NaN where no estimate is tabulated.
    double energy_backscatter_fraction;
    /// Atomic number and atomic mass (g/mol) for the electron range and
    /// backscatter laws; NaN where unknown. Diamond: carbon.
    double atomic_number = std::numeric_limits<double>::quiet_NaN();
    double atomic_mass   = std::numeric_limits<double>::quiet_NaN();

    bool
    melts() const;
  };

  class MaterialLibrary
  {
  public:
    /// Number of "User material N" subsections in the parameter file.
    static constexpr unsigned int n_user_materials = 4;

    /// The built-in materials of doc/theory.md section 3.
    MaterialLibrary();

    /// Subsection "Materials" with the user material slots.
    static void
    declare_parameters(ParameterHandler &prm);
    /// Add (or replace, by name) the user materials. Throws InputError.
    void
    parse_parameters(ParameterHandler &prm);

    void
    add(Material material);
    /// Throws InputError listing the known names.
    const Material &
    get(const std::string &name) const;
    std::vector<std::string>
    names() const;

  private:
    std::map<std::string, Material> materials;
  };
} // namespace xray

#endif
