// A shared object without the cadenza_module_definition entry point.
extern "C" __attribute__((visibility("default"))) int cadenza_not_a_module() {
    return 0;
}
