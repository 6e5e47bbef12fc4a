/* The C ABI of a controller plugin: control logic compiled into a shared library and loaded by
   path from a scenario (docs/controller_plugins.md):

     controllers:
       mpc:
         type: plugin
         library: ./libmy_controller.so     # relative to the scenario file
         scan: 1 s
         config: "gain=2.5"                  # free text handed to init
         inputs: [room.temperature]          # signals, in this order, to scan's `in`
         outputs: [room.heat_input]          # actuators, in this order, from scan's `out`

   A plugin exports four functions with C linkage. plantwin calls them from one thread at a time
   per instance; different instances (replications, forks) may run on different threads at once,
   so a plugin keeps all its state in the instance it returns, never in globals. */
#ifndef PLANTWIN_CONTROLLER_PLUGIN_H
#define PLANTWIN_CONTROLLER_PLUGIN_H

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI's version; a plugin returns it from plantwin_plugin_abi(). */
#define PLANTWIN_PLUGIN_ABI 1

/* Returns PLANTWIN_PLUGIN_ABI: plantwin refuses a library built against another version. */
int plantwin_plugin_abi(void);

/* Creates an instance for one run: `config` is the scenario's text (never NULL, maybe ""),
   `inputs` and `outputs` the number of signals read and actuators written. Returns NULL to
   refuse, after writing a reason (at most `error_size` bytes, NUL-terminated) to `error`. */
void* plantwin_plugin_init(const char* config, int inputs, int outputs, char* error,
                           int error_size);

/* A copy of an instance, for a fork or a replication that continues from its state. */
void* plantwin_plugin_clone(const void* instance);

/* One scan at simulated time `time_s`: reads `in` (inputs values), writes `out` (outputs values;
   on entry they hold the values last written). Returns 0, or non-zero to stop the run after
   writing a reason to `error` as for init. */
int plantwin_plugin_scan(void* instance, double time_s, const double* in, double* out, char* error,
                         int error_size);

/* Frees an instance. */
void plantwin_plugin_teardown(void* instance);

#ifdef __cplusplus
}
#endif

#endif
