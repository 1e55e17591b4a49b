package io.strata.io.diagnostics;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class or method whose resources legitimately outlive each test, so the tests' resource check
 * ({@link ResourceSnapshot}) skips it. The reason is required: an exemption must say why it is not a leak.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface KeepsResources {
    /** Why the resources are kept on purpose. */
    String value();
}
