// One particle crossing the electron spot (doc/stream-thermal.md): the heat
// equation in enthalpy form,
//
//   d H(T) / dt = div(k(T) grad T) + s(x, t),
//   H(T) = rho [ int_{T_in}^{T} c_p dT' + dH_f f_l(T) ],
//
// f_l the molten fraction (0 below the melting point T_m, rising linearly to
// 1 over the melting range), s the absorbed beam power spread through the
// particle by the depth-dose profile along the beam direction, and the
// surface radiating, -k dT/dn = eps sigma (T^4 - T_env^4). TR-BDF2 in time
// (second order, L-stable, and conservative: the stored heat changes by
// exactly the heat in minus the heat out of each step, by its quadrature),
// Newton in each stage.
#ifndef XRAY_STREAM_THERMAL_PARTICLE_HEATING_H
#define XRAY_STREAM_THERMAL_PARTICLE_HEATING_H

#include "common/output.h"
#include "stream_thermal/parameters.h"
#include "stream_thermal/sparse_lu.h"

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/mapping_q.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/sparsity_pattern.h>
#include <deal.II/lac/vector.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace xray
{
  namespace stream_thermal
  {
    /// What one crossing of the spot gives.
    struct Crossing
    {
      double beam_power            = 0; // W, incident
      double particle_power        = 0; // W absorbed by the particle, spot peak
      double max_peak_temperature  = 0; // K, hottest point at any time
      double time_of_max_peak      = 0; // s
      double exit_time             = 0; // s, the particle leaves the spot
      double exit_peak_temperature = 0, exit_mean_temperature = 0,
             exit_min_temperature      = 0; // K
      double       max_spread          = 0; // K, max over time of peak - min
      double       max_min_temperature = 0; // K, the coldest point's highest
      double       max_molten_fraction = 0, exit_molten_fraction = 0;
      double       energy_in = 0, energy_radiated = 0, energy_stored = 0; // J
      double       energy_balance = 0; // (stored + out - in) / in
      unsigned int time_steps = 0, newton_iterations = 0, factorizations = 0;
    };

    /// Interface of the dimension-independent tasks to the FE model.
    class ParticleModel
    {
    public:
      virtual ~ParticleModel() = default;
      /// One crossing at the incident @p beam_power. With @p output, the
      /// history (history.csv) and the fields (solution.pvd) are written.
      virtual Crossing
      cross_spot(const Parameters &parameters,
                 double            beam_power,
                 const RunOutput  *output) = 0;
      /// Number of unknowns and cells.
      virtual unsigned int
      n_dofs() const = 0;
      virtual unsigned int
      n_cells() const = 0;
      /// Volume of the discrete particle over that of the sphere (slab:
      /// over r_p), minus 1.
      virtual double
      volume_error() const = 0;
      /// w_k: the power layer k absorbs over the mean of the layers
      /// (shadowing by the layers above), k = 1 the top layer.
      virtual const std::vector<double> &
      layer_weights() const = 0;
      /// The layer the modelled particle flies in, 0 = the top one.
      virtual unsigned int
      layer() const = 0;
    };

    /// The model for Parameters::model, on a serial mesh (one particle is
    /// small; the ranks share out the points of a curve instead).
    std::unique_ptr<ParticleModel>
    make_particle_model(const Parameters &parameters);

    template <int dim>
    class ParticleHeating : public ParticleModel
    {
    public:
      explicit ParticleHeating(const Parameters &parameters);

      Crossing
      cross_spot(const Parameters &parameters,
                 double            beam_power,
                 const RunOutput  *output) override;
      unsigned int
      n_dofs() const override
      {
        return dof_handler.n_dofs();
      }
      unsigned int
      n_cells() const override
      {
        return triangulation.n_active_cells();
      }
      double
      volume_error() const override
      {
        return discrete_volume / exact_volume - 1;
      }
      const std::vector<double> &
      layer_weights() const override
      {
        return weights;
      }
      unsigned int
      layer() const override
      {
        return modelled_layer;
      }

    private:
      /// Sphere (2d: the half disk r >= 0 in (r, z); 3d: the ball) or the
      /// half slab [0, r_p]; boundary 0 the surface.
      void
      make_mesh(const Parameters &parameters);
      void
      setup_system(const Parameters &parameters);
      /// Depth below the particle's top along the beam (-z), m.
      double
      depth(const Point<dim> &p) const;
      /// Volume element factor: 2 pi r for the axisymmetric model.
      double
      weight(const Point<dim> &p) const;
      /// The normalised shape of the heating at every quadrature point,
      /// h(d_0 + depth) / int h, and the layer weights.
      void
      tabulate_heating(const Parameters &parameters);

      /// Melting: f_l(T) and its derivative.
      double
      molten_fraction(double T) const;
      /// Volumetric enthalpy H(T) (J/m^3) and dH/dT.
      double
      enthalpy(double T) const;
      double
      heat_capacity(double T) const;

      /// M_i = int H(U) phi_i and F_i = int (s phi_i - k grad U . grad
      /// phi_i) - oint eps sigma (U^4 - T_env^4) phi_i at the absorbed
      /// @p heating_power; with @p jacobian_beta_dt >= 0 also the Jacobian
      /// dM/dU - beta dt dF/dU of a stage M(U) - beta dt F(U) = rhs.
      void
      assemble(const Vector<double> &U,
               double                heating_power,
               Vector<double>       &M,
               Vector<double>       &F,
               double                jacobian_beta_dt);
      /// Newton for G(U) = 0 from the guess in U. Returns iterations;
      /// throws SolverError.
      unsigned int
      solve_stage(Vector<double>       &U,
                  double                beta_dt,
                  double                heating_power,
                  const Vector<double> &rhs,
                  Vector<double>       &M,
                  Vector<double>       &F);

      /// Shape functions, gradients and volume elements at the quadrature
      /// points of every cell, and the same on the radiating surface.
      void
      cache_geometry();
      struct CellData
      {
        std::vector<types::global_dof_index> dofs;
        std::vector<double>                  dV;   // JxW times weight, per q
        std::vector<double>                  phi;  // [q n + i]
        std::vector<Tensor<1, dim>>          grad; // [q n + i]
      };
      struct FaceData
      {
        unsigned int        cell;
        std::vector<double> dA;  // per q
        std::vector<double> phi; // [q n + i]
      };
      std::vector<CellData> cells;
      std::vector<FaceData> faces;

      /// The state U, heat content M and heat flow F of a time step at
      /// t_n (0), at its stage t_n + gamma dt (1) and at t_n+1 (2); the
      /// state of the step before; the stages' right-hand side.
      struct StepVectors
      {
        /// Every vector with @p n entries (the stages assemble M and F
        /// before they read them).
        explicit StepVectors(const unsigned int n)
          : U0(n)
          , U1(n)
          , U2(n)
          , U_previous(n)
          , M0(n)
          , F0(n)
          , M1(n)
          , F1(n)
          , M2(n)
          , F2(n)
          , rhs(n)
        {}
        Vector<double> U0, U1, U2, U_previous, M0, F0, M1, F1, M2, F2, rhs;
      };
      /// The particle as it enters the spot.
      Vector<double>
      initial_temperature() const;
      /// One TR-BDF2 step from t_n = n dt at the absorbed powers @p P
      /// (at t_n, t_n + gamma dt, t_n+1; @p previous_power the power the
      /// step before ended with): the state moves to x.U0, and the step's
      /// Newton iterations and heat flows are added to @p result.
      void
      take_step(StepVectors                 &x,
                unsigned int                 n,
                double                       dt,
                double                       previous_power,
                const std::array<double, 3> &P,
                Crossing                    &result);

      /// Peak, min, mean temperature and molten fraction of U.
      struct State
      {
        double peak, min, mean, molten;
      };
      State
      state(const Vector<double> &U) const;
      /// The crossing's extremes with the state @p s at time @p t, and its
      /// exit values if @p at_exit.
      static void
      note_state(const State &s, double t, bool at_exit, Crossing &result);
      /// (stored + radiated - in) / in, or NaN where undefined.
      double
      energy_balance(const Crossing &result) const;

      void
      write_field(const RunOutput      &output,
                  const Vector<double> &U,
                  double                time,
                  double                heating_power) const;

      const double   radius;
      const double   inlet_temperature;
      const Material material;
      const double   melting_point, latent_heat, melting_range;
      const double   emissivity, environment_temperature;
      const bool     fixed_surface;
      const double   surface_temperature;
      Enthalpy       sensible_enthalpy;

      Triangulation<dim>        triangulation;
      FE_Q<dim>                 fe;
      MappingQ<dim>             mapping;
      DoFHandler<dim>           dof_handler;
      AffineConstraints<double> constraints;
      SparsityPattern           sparsity;
      SparseMatrix<double>      jacobian_matrix;
      SparseLU                  factorization;
      double                    factorized_beta_dt = -1;
      unsigned int              factorizations     = 0;

      /// Heating shape at the quadrature points, cell by cell (1/m^3 for
      /// the sphere, 1/m for the slab: integral 1).
      std::vector<std::vector<double>> heating_shape;
      Vector<double>                   heating_vector;
      std::vector<double>              weights;
      unsigned int                     modelled_layer  = 0; // 0 = top
      double                           discrete_volume = 0, exact_volume = 0;
    };
  } // namespace stream_thermal
} // namespace xray

#endif
