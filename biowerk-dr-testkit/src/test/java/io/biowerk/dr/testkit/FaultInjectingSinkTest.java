package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FaultInjectingSinkTest {

  private final InMemorySink memory = InMemorySink.named("under");
  private final FaultInjectingSink sink = FaultInjectingSink.wrapping(memory);

  @Test
  void aWriteFailsAtTheChosenByteAndStaysBroken() throws Exception {
    sink.failWriteAtByte(".*\\.bin", 1000);
    PendingWrite out = sink.openWrite("a/object.bin");
    out.write(ByteBuffer.wrap(new byte[600]));
    ByteBuffer second = ByteBuffer.wrap(new byte[600]);
    assertThatThrownBy(() -> out.write(second))
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("at byte 1000 of a/object.bin");
    assertThat(second.position())
        .as("the 400 bytes before the fault were passed on")
        .isEqualTo(400);
    assertThatThrownBy(() -> out.write(ByteBuffer.wrap(new byte[1])))
        .isInstanceOf(InjectedFaultException.class);
    assertThatThrownBy(out::commit)
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("committing");
    assertThat(sink.committed()).isEmpty();
    assertThat(sink.aborted()).containsExactly("a/object.bin");
    assertThat(memory.list("")).isEmpty();
    assertThat(sink.injected()).hasSize(3);
  }

  @Test
  void keysThatDoNotMatchPassThrough() throws Exception {
    sink.failWriteAtByte(".*\\.bin", 0).failCommit(".*\\.json").failOpenWrite("locked/.*");
    sink.put("a/object.txt", new byte[5000]);
    assertThat(memory.get("a/object.txt")).hasSize(5000);
    assertThat(sink.committed()).containsExactly("a/object.txt");
  }

  @Test
  void commitOpenWriteOpenReadAndDeleteFaults() throws Exception {
    sink.failCommit(".*\\.json");
    assertThatThrownBy(() -> sink.put("m.json", new byte[1]))
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("committing m.json");
    assertThat(sink.aborted()).containsExactly("m.json");
    sink.heal().failOpenWrite("locked/.*");
    assertThatThrownBy(() -> sink.openWrite("locked/x"))
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("opening a write of locked/x");
    memory.put("r", new byte[] {1});
    sink.heal().failOpenRead("r").failDelete("r");
    assertThatThrownBy(() -> sink.openRead("r")).isInstanceOf(InjectedFaultException.class);
    assertThatThrownBy(() -> sink.delete("r")).isInstanceOf(InjectedFaultException.class);
    sink.heal();
    assertThat(sink.get("r")).containsExactly(1);
    sink.delete("r");
    assertThatThrownBy(() -> sink.get("r")).isInstanceOf(ObjectNotFoundException.class);
  }
}
