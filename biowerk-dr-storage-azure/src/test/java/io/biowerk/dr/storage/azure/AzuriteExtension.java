package io.biowerk.dr.storage.azure;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests an {@link AzuriteServer} as a parameter (constructor, {@code @BeforeAll}, test
 * method). One server serves the whole test run: it lives in the root context's store, which closes
 * it when the run ends.
 */
// "exports": a test fixture; JUnit's types in its signatures need not be re-exported by the module.
@SuppressWarnings("exports")
public final class AzuriteExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(AzuriteExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == AzuriteServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("server", key -> AzuriteServer.start(), AzuriteServer.class);
  }
}
