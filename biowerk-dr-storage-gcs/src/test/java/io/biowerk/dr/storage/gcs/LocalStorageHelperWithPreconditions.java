package io.biowerk.dr.storage.gcs;

import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;

/**
 * A FAKE on top of a fake: google-cloud-nio's {@code LocalStorageHelper} ignores request
 * preconditions (with {@code customOptions(false)}; by default it throws on any option), so {@code
 * ifGenerationMatch=0} would silently overwrite. This wrapper makes the one precondition the sink
 * uses hold inside this JVM: a {@code create(info, bytes, doesNotExist())} on an existing name
 * answers 412, as Cloud Storage does, under a lock so racing creates have one winner. It lets the
 * contract's putIfAbsent tests run on the fake; the real precondition on the wire is checked
 * against {@link JsonApiTestServer} ({@link GcsJsonApiTest}, {@link
 * GcsSinkOnJsonApiTestServerTest}).
 */
final class LocalStorageHelperWithPreconditions {

  private LocalStorageHelperWithPreconditions() {}

  static Storage wrap(Storage fake) {
    Object lock = new Object();
    return (Storage)
        Proxy.newProxyInstance(
            Storage.class.getClassLoader(),
            new Class<?>[] {Storage.class},
            (proxy, method, args) -> {
              if (isConditionalCreate(method, args)) {
                BlobInfo info = (BlobInfo) args[0];
                synchronized (lock) {
                  if (fake.get(info.getBlobId()) != null) {
                    throw new StorageException(
                        412, "At least one of the pre-conditions you specified did not hold.");
                  }
                  return invoke(fake, method, args);
                }
              }
              return invoke(fake, method, args);
            });
  }

  private static boolean isConditionalCreate(Method method, Object[] args) {
    return method.getName().equals("create")
        && args != null
        && args.length == 3
        && args[0] instanceof BlobInfo
        && args[1] instanceof byte[]
        && args[2] instanceof Storage.BlobTargetOption[] options
        && Arrays.asList(options).contains(Storage.BlobTargetOption.doesNotExist());
  }

  private static Object invoke(Storage target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
