package dev.wbuild.examples.javaservice;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class GreetingTest {
    @Test
    public void defaultGreetingNamesTheService() {
        assertEquals("hello from java-service", Greeting.line());
    }

    @Test
    public void personalGreetingCollapsesWhitespace() {
        assertEquals("hello Ada Lovelace, from java-service", Greeting.line("  Ada \t Lovelace "));
    }

    @Test
    public void blankNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Greeting.normaliseName("   "));
    }

    @Test
    public void longNamesAreCapped() {
        assertEquals(Greeting.MAX_NAME_LENGTH, Greeting.normaliseName("x".repeat(500)).length());
    }

    @Test
    public void jsonIsEscaped() {
        assertEquals("{\"m\":\"a\\\"b\\\\c\"}", Greeting.jsonField("m", "a\"b\\c"));
    }
}
