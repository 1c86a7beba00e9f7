package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.KeyWrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.security.Security;
import java.util.Arrays;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Master keys held in a hardware security module, reached through the JDK's {@code SunPKCS11}
 * provider: AES-256 secret keys on a token, named by their label, that wrap and unwrap each
 * backup's data key with AES-256-GCM inside the module; the key bytes never reach this process. A
 * wrapped key is the stanza {@code pkcs11:<base64 of nonce(12) || sealed data key(32) || tag(16)>},
 * its associated data {@link KeyWrap#aad KeyWrap.aad("pkcs11", label)}.
 *
 * <p>Settings (from the environment in the command):
 *
 * <ul>
 *   <li>{@value #LIBRARY}: the module's PKCS#11 library (SoftHSM: {@code
 *       /usr/lib/softhsm/libsofthsm2.so}); required.
 *   <li>{@value #SLOT_INDEX}: the index of the token's slot in the module's slot list, default 0.
 *   <li>{@value #PIN_FILE} (a file of mode 0600, refused otherwise) or {@value #PIN}: the user PIN.
 *   <li>{@value #KEY}: the label of the key new backups are wrapped to; without it this provider
 *       only unwraps.
 * </ul>
 *
 * <p>Thread-safe: each wrap uses its own {@link Cipher}. The PIN is used once to log in and appears
 * in no message and no {@link #toString()}.
 */
public final class Pkcs11Keys implements KeyProvider, ServiceRotation {

  /** The stanza type and the service id. */
  public static final String TYPE = "pkcs11";

  /** Setting: the PKCS#11 library. */
  public static final String LIBRARY = "BIOWERK_DR_PKCS11_LIBRARY";

  /** Setting: the slot-list index of the token. */
  public static final String SLOT_INDEX = "BIOWERK_DR_PKCS11_SLOT_INDEX";

  /** Setting: the user PIN. */
  public static final String PIN = "BIOWERK_DR_PKCS11_PIN";

  /** Setting: a private file holding the user PIN. */
  public static final String PIN_FILE = "BIOWERK_DR_PKCS11_PIN_FILE";

  /** Setting: the label of the active key. */
  public static final String KEY = "BIOWERK_DR_PKCS11_KEY";

  private static final int NONCE = 12;
  private static final int BODY = NONCE + KeyWrap.KEY_LENGTH + 16;
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Provider provider;
  private final KeyStore store;
  private final String where;
  private final String active;

  private Pkcs11Keys(Provider provider, KeyStore store, String where, String active) {
    this.provider = provider;
    this.store = store;
    this.where = where;
    this.active = active;
  }

  /**
   * Logs in to the token named by {@code settings}.
   *
   * @throws KeyServiceException if a setting is missing or wrong, the library does not load, or the
   *     login is refused; the message names the setting
   */
  public static Pkcs11Keys open(Function<String, String> settings) throws IOException {
    requireNonNull(settings, "settings");
    String library = ServiceSettings.get(settings, LIBRARY);
    if (library == null) {
      throw new KeyServiceException(
          "pkcs11: no PKCS#11 library is set; set "
              + LIBRARY
              + " to your HSM's PKCS#11 module (for SoftHSM: /usr/lib/softhsm/libsofthsm2.so)",
          TYPE);
    }
    if (!Files.isRegularFile(Path.of(library))) {
      throw new KeyServiceException(
          "pkcs11: the PKCS#11 library "
              + library
              + " named by "
              + LIBRARY
              + " does not exist; install the HSM's client (for SoftHSM: apt-get install softhsm2)"
              + " or correct the path",
          TYPE);
    }
    int slot;
    String slotText = ServiceSettings.get(settings, SLOT_INDEX);
    try {
      slot = slotText == null ? 0 : Integer.parseInt(slotText);
    } catch (NumberFormatException e) {
      slot = -1;
    }
    if (slot < 0) {
      throw new KeyServiceException(
          "pkcs11: "
              + SLOT_INDEX
              + " must be a slot-list index (0, 1, ...), not '"
              + slotText
              + "'",
          TYPE);
    }
    String where = "token at slot index " + slot + " of " + library;
    char[] pin = pin(settings);
    Provider template = Security.getProvider("SunPKCS11");
    if (template == null) {
      throw new KeyServiceException(
          "pkcs11: this Java runtime has no SunPKCS11 provider (module jdk.crypto.cryptoki); run"
              + " biowerk-dr on a full JDK or JRE 17+",
          TYPE);
    }
    Provider provider;
    try {
      provider =
          template.configure(
              "--name=biowerk-dr\nlibrary = \""
                  + library.replace("\"", "")
                  + "\"\nslotListIndex = "
                  + slot
                  + "\n");
    } catch (ProviderException | IllegalArgumentException e) {
      throw new KeyServiceException(
          "pkcs11: the "
              + where
              + " cannot be opened ("
              + reason(e)
              + "); check that "
              + SLOT_INDEX
              + " names an initialised token (softhsm2-util --show-slots, or your HSM's tool) and"
              + " that the library matches this machine",
          TYPE,
          e);
    }
    KeyStore store;
    try {
      store = KeyStore.getInstance("PKCS11", provider);
      store.load(null, pin);
    } catch (IOException | GeneralSecurityException | ProviderException e) {
      throw new KeyServiceException(
          "pkcs11: login to the "
              + where
              + " was refused ("
              + reason(e)
              + "); check the user PIN in "
              + PIN_FILE
              + " or "
              + PIN
              + " and that the token is initialised",
          TYPE,
          e);
    } finally {
      Arrays.fill(pin, '\0');
    }
    return new Pkcs11Keys(provider, store, where, ServiceSettings.get(settings, KEY));
  }

  /**
   * Creates a new AES-256 key labelled {@code label} on the token, generated inside the module and
   * not extractable.
   *
   * @throws IllegalArgumentException if the label is not a valid key id
   * @throws KeyServiceException if a key with that label exists or the token refuses
   */
  public String generate(String label) throws IOException {
    MasterKey.checkId(label);
    try {
      if (store.containsAlias(label)) {
        throw new KeyServiceException(
            "pkcs11: the "
                + where
                + " already holds a key labelled '"
                + label
                + "'; choose another",
            TYPE);
      }
      KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
      generator.init(256);
      store.setEntry(label, new KeyStore.SecretKeyEntry(generator.generateKey()), null);
      return label;
    } catch (GeneralSecurityException | ProviderException e) {
      throw new KeyServiceException(
          "pkcs11: the "
              + where
              + " refused to create key '"
              + label
              + "' ("
              + reason(e)
              + "); the user may lack the right to create token objects",
          TYPE,
          e);
    }
  }

  @Override
  public String activeKeySetting() {
    return KEY;
  }

  /** Creates the key inside the module, as {@link #generate}: always done here, never steps. */
  @Override
  public Optional<String> createKey(String id) throws IOException {
    generate(id);
    return Optional.empty();
  }

  /**
   * Destroys the key labelled {@code id} on the token.
   *
   * @throws KeyServiceException if the token holds no such key or refuses to destroy it
   */
  @Override
  public Optional<String> removeKey(String id) throws IOException {
    MasterKey.checkId(id);
    try {
      if (!store.containsAlias(id)) {
        throw new KeyServiceException(
            "pkcs11: the " + where + " holds no key labelled '" + id + "' to remove", TYPE);
      }
      store.deleteEntry(id);
      return Optional.empty();
    } catch (GeneralSecurityException | ProviderException e) {
      throw new KeyServiceException(
          "pkcs11: the "
              + where
              + " refused to destroy key '"
              + id
              + "' ("
              + reason(e)
              + "); the user may lack the right to destroy token objects: destroy it with the"
              + " HSM's own tool (for SoftHSM: pkcs11-tool --delete-object --type secrkey --label "
              + id
              + ")",
          TYPE,
          e);
    }
  }

  @Override
  public Optional<MasterKey> key(String id) {
    return Optional.empty(); // the bytes stay in the module: see wrappingKey
  }

  @Override
  public Optional<String> activeKeyId() {
    return Optional.ofNullable(active);
  }

  @Override
  public Set<String> keyIds() throws IOException {
    Set<String> ids = new TreeSet<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (LABEL.matcher(alias).matches()
            && store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
          ids.add(alias);
        }
      }
    } catch (GeneralSecurityException e) {
      throw new KeyServiceException(
          "pkcs11: the keys of the " + where + " cannot be listed (" + reason(e) + ")", TYPE, e);
    }
    return ids;
  }

  @Override
  public Optional<WrappingKey> wrappingKey(String id) throws IOException {
    requireNonNull(id, "id");
    Key key;
    try {
      key = store.getKey(id, null);
    } catch (GeneralSecurityException | ProviderException e) {
      throw new KeyServiceException(
          "pkcs11: key '" + id + "' of the " + where + " cannot be read (" + reason(e) + ")",
          TYPE,
          e);
    }
    if (!(key instanceof SecretKey secret)) {
      if (id.equals(active)) {
        throw new KeyServiceException(
            "pkcs11: the "
                + where
                + " holds no AES key labelled '"
                + id
                + "', which "
                + KEY
                + " names; create it (biowerk-dr keys generate --key-provider pkcs11) or correct "
                + KEY,
            TYPE);
      }
      return Optional.empty();
    }
    return Optional.of(new HsmKey(id, secret));
  }

  @Override
  public String toString() {
    return "Pkcs11Keys[" + where + ", active " + (active == null ? "none" : active) + "]";
  }

  /** One AES key on the token. */
  private final class HsmKey implements WrappingKey {
    private final String id;
    private final SecretKey key;

    HsmKey(String id, SecretKey key) {
      this.id = id;
      this.key = key;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public String wrap(byte[] dataKey) throws IOException {
      if (dataKey.length != KeyWrap.KEY_LENGTH) {
        throw new IllegalArgumentException("a data key is " + KeyWrap.KEY_LENGTH + " bytes");
      }
      byte[] nonce = new byte[NONCE];
      RANDOM.nextBytes(nonce);
      try {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", provider);
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(KeyWrap.aad(TYPE, id));
        byte[] sealed = cipher.doFinal(dataKey);
        byte[] body = Arrays.copyOf(nonce, NONCE + sealed.length);
        System.arraycopy(sealed, 0, body, NONCE, sealed.length);
        return ServiceStanzas.of(TYPE, body);
      } catch (GeneralSecurityException | ProviderException e) {
        throw new KeyServiceException(
            "pkcs11: key '"
                + id
                + "' of the "
                + where
                + " refused to wrap a data key with AES/GCM ("
                + reason(e)
                + "); the key needs CKA_ENCRYPT and the module CKM_AES_GCM",
            TYPE,
            e);
      }
    }

    @Override
    public byte[] unwrap(String stanza) throws IOException {
      byte[] body =
          ServiceStanzas.body(
              TYPE, id, stanza, BODY + " bytes of base64", bytes -> bytes.length == BODY);
      try {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", provider);
        cipher.init(
            Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, Arrays.copyOf(body, NONCE)));
        cipher.updateAAD(KeyWrap.aad(TYPE, id));
        return cipher.doFinal(body, NONCE, BODY - NONCE);
      } catch (AEADBadTagException e) {
        throw new WrongKeyException(
            "pkcs11: the wrapped data key for '"
                + id
                + "' does not authenticate under the key of that label in the "
                + where
                + ": either it is another key with the same label, or the manifest was damaged;"
                + " use the token that holds the original key, or restore the manifest from"
                + " another copy",
            id);
      } catch (GeneralSecurityException | ProviderException e) {
        throw new KeyServiceException(
            "pkcs11: key '"
                + id
                + "' of the "
                + where
                + " refused to unwrap a data key ("
                + reason(e)
                + "); the key needs CKA_DECRYPT",
            TYPE,
            e);
      }
    }

    @Override
    public String toString() {
      return "pkcs11 key " + id;
    }
  }

  private static char[] pin(Function<String, String> settings) throws IOException {
    String file = ServiceSettings.get(settings, PIN_FILE);
    if (file != null) {
      Path path = Path.of(file);
      PrivateFiles.checkPrivate(path, "pkcs11: the PIN file named by " + PIN_FILE, "PIN");
      byte[] bytes = Files.readAllBytes(path);
      try {
        return new String(bytes, StandardCharsets.UTF_8).strip().toCharArray();
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    }
    String pin = settings.apply(PIN);
    if (pin == null || pin.isEmpty()) {
      throw new KeyServiceException(
          "pkcs11: no user PIN is set; put it in a file of mode 0600 named by "
              + PIN_FILE
              + " (or, less safely, in "
              + PIN
              + ")",
          TYPE);
    }
    return pin.toCharArray();
  }

  /**
   * The innermost message of a foreign exception: a PKCS#11 return code such as CKR_PIN_INCORRECT.
   */
  private static String reason(Throwable e) {
    Throwable cause = e;
    String reason = String.valueOf(e.getMessage());
    while (cause != null) {
      if (cause.getMessage() != null) {
        reason = cause.getMessage();
      }
      cause = cause.getCause();
    }
    return reason;
  }
}
