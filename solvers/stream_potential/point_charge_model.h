// The point-charge model of a particle stream over the grounded anode: a
// cheap dense stand-in for the field-emission cap's Jacobian, used as the
// preconditioner of its Newton steps and for their first guess
// (doc/stream-potential.md, "Charging models", point-charge model).
#ifndef XRAY_STREAM_POTENTIAL_POINT_CHARGE_MODEL_H
#define XRAY_STREAM_POTENTIAL_POINT_CHARGE_MODEL_H

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>
#include <deal.II/lac/full_matrix.h>

#include <vector>

namespace xray
{
  namespace stream_potential
  {
    using namespace dealii;

    /// Conducting spheres (centres c_j, radii r_j) over the grounded anode
    /// plane z = 0. Each sphere's charge Q_j sits at its centre with its
    /// image -Q_j at the mirror point; a sphere feels the others (and its
    /// own image) through the field E_i they make at its centre:
    ///
    ///   potential  P_i = Q_i / (4 pi eps0 r_i) + phi_ext(c_i),
    ///   surface field at outward normal n:  -E . n = -Q_i / c_i - 3 E_i . n,
    ///
    /// c_i = 4 pi eps0 r_i^2: a conducting sphere in a uniform field E takes
    /// the surface field 3 E . n, and its potential is the mean of the
    /// external potential over its surface, phi_ext at its centre. Exact for
    /// one sphere far from everything; for neighbours a gap apart it misses
    /// their mutual polarisation (tens of per cent), good enough for a
    /// preconditioner and a first guess.
    class PointChargeModel
    {
    public:
      PointChargeModel(std::vector<Point<3>> centres,
                       std::vector<double>   radii);

      unsigned int
      size() const;

      /// dP_i / dQ_j (V/C).
      FullMatrix<double>
      potential_coupling() const;

      /// dF_i / dQ_j (V/(m C)) of the emitting field F_i = -E . n_i at the
      /// point of sphere i with outward normal n_i:
      ///   -delta_ij / c_i - 3 n_i . e_ij,
      /// e_ij the field at c_i of unit charge j and its image (for j = i
      /// the image only).
      FullMatrix<double>
      field_coupling(const std::vector<Tensor<1, 3>> &normals) const;

      /// The external field E_i at each centre for the charges Q (V/m).
      std::vector<Tensor<1, 3>>
      external_fields(const std::vector<double> &charges) const;

      /// The outward normal where each sphere's emitting field peaks,
      /// against its external field: n_i = -E_i / |E_i| (straight down,
      /// towards the anode, where E_i = 0).
      std::vector<Tensor<1, 3>>
      peak_normals(const std::vector<double> &charges) const;

      /// The peak emitting field of each sphere, F_i = -Q_i / c_i + 3 |E_i|
      /// (V/m).
      std::vector<double>
      peak_fields(const std::vector<double> &charges) const;

      /// The field at centre i of unit charge j and its image (V/(m C)).
      Tensor<1, 3>
      unit_field(unsigned int i, unsigned int j) const;

    private:
      std::vector<Point<3>> centres;
      std::vector<double>   radii;
      /// c_i = 4 pi eps0 r_i^2 (F m).
      std::vector<double> capacity;
    };

    /// The field-emission cap on the model: the charges with
    ///   Q_i >= Q_beam,i,  F_i <= E_lim,  (Q_i - Q_beam,i)(E_lim - F_i) = 0
    /// by semismooth Newton (the primal-dual active-set method of the PDE
    /// cap), from min(Q_beam, isolated-sphere limit). Returns the iterate of
    /// smallest residual max_i |min(...)| / (c_i E_lim) after at most
    /// @p max_steps steps (or at @p tolerance), and that residual.
    std::pair<std::vector<double>, double>
    solve_point_charge_cap(const PointChargeModel    &model,
                           const std::vector<double> &beam_charges,
                           const std::vector<double> &radii,
                           double                     field_limit,
                           double                     tolerance,
                           unsigned int               max_steps);
  } // namespace stream_potential
} // namespace xray

#endif
