package io.tributary.wire;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The modules' layering as docs/architecture.md draws it: wire over coordinator over replication over
 * storage, each using only the ones below; above replication, partitions are reached through
 * {@code replication.partition} alone, never through Raft, the replica groups or the partition logs.
 */
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tributary");

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("wire").definedBy("io.tributary.wire..", "io.tributary.cli..")
                .layer("coordinator").definedBy("io.tributary.coordinator..")
                .layer("replication").definedBy("io.tributary.replication..")
                .layer("storage").definedBy("io.tributary.storage..")
                .whereLayer("wire").mayNotBeAccessedByAnyLayer()
                .whereLayer("coordinator").mayOnlyBeAccessedByLayers("wire")
                .whereLayer("replication").mayOnlyBeAccessedByLayers("coordinator", "wire")
                .whereLayer("storage").mayOnlyBeAccessedByLayers("replication")
                .check(MAIN);
    }

    @Test
    void aboveReplicationPartitionsAreReachedOnlyThroughTheirLeaderHandle() {
        noClasses().that().resideInAnyPackage("io.tributary.wire..", "io.tributary.cli..", "io.tributary.coordinator..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.tributary.storage..", "io.tributary.replication.replica..", "org.apache.ratis..")
                .check(MAIN);
    }
}
