"""The loopback HTTPS servers and the request pipeline every simulator shares (``server``);
the simulators themselves are the plugins' (hook ``cad_sandbox_simulators``)."""
